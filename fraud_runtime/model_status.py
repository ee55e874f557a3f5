"""What `./fraudctl status` says about detection: the champion in the model store (version, type, its
test-week metrics) and the version the scorer is serving (its `fraud_stream_model_info` metric)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

from fraud_platform.config import PlatformConfig

_SERVING = re.compile(r'^fraud_stream_model_info\{[^}]*model_version="([^"]*)"[^}]*\}\s+1(\.0)?\s*$', re.M)


@dataclass(frozen=True)
class ModelStatus:
    champion: str | None = None  # the model store's pointer
    model_type: str | None = None
    test_window: list[str] | None = None
    auc_roc: float | None = None
    average_precision: float | None = None
    card_precision_at_100: float | None = None
    serving: str | None = None  # what the scorer reports using ("none": rules only)
    problems: tuple[str, ...] = ()  # why something above is unknown

    def as_json(self) -> dict[str, object]:
        return asdict(self)

    def line(self) -> str:
        if self.champion:
            metrics = (f"test {'..'.join(self.test_window or [])}: AP {self.average_precision:.3f}, "
                       f"AUC {self.auc_roc:.3f}, CP@100 {self.card_precision_at_100:.3f}"
                       if self.average_precision is not None else "metrics unknown")
            text = f"model: champion {self.champion} ({self.model_type}; {metrics})"
        else:
            text = "model: no champion yet (the bootstrap_history DAG trains the first one)"
        if self.serving:
            text += f"; scorer serving {self.serving}"
        return text + "".join(f"; {p}" for p in self.problems)


def model_status(config: PlatformConfig) -> ModelStatus:
    """Best effort: a part that does not answer (HDFS, the scorer) is named in ``problems``."""
    import requests

    from fraud_platform.model_store import ModelMetadata, ModelStore
    from fraud_platform.webhdfs import WebHdfs, WebHdfsError

    found: dict[str, object] = {}
    problems = []
    store, hdfs = ModelStore(), WebHdfs(config.endpoints.webhdfs_url, config.settings.hdfs.user, timeout=5)
    try:
        pointer = store.pointer(hdfs)
        if pointer is not None and pointer.version:
            meta = ModelMetadata.from_json(hdfs.read(store.metadata_path(pointer.version)).decode())
            found.update(champion=pointer.version, model_type=meta.model_type, test_window=meta.test_window,
                         **{k: meta.metrics.get(k) for k in ("auc_roc", "average_precision", "card_precision_at_100")})
        if pointer is not None and (problem := store.pointer_problem(hdfs, pointer,
                                                                     config.endpoints.model_signing_key)):
            problems.append(f"the scorer refuses this champion: {problem}")
    except (WebHdfsError, requests.RequestException, ValueError, TypeError, json.JSONDecodeError) as exc:
        problems.append(f"model store unreadable ({exc.__class__.__name__})")
    port = config.settings.stream.scorer_metrics_port
    try:
        text = requests.get(f"http://{config.endpoints.host}:{port}/metrics", timeout=3).text
        versions = _SERVING.findall(text)
        found["serving"] = versions[-1][0] if versions else None
    except requests.RequestException:
        pass  # the scorer is not running: its row in the table says so
    return ModelStatus(**found, problems=tuple(problems))  # type: ignore[arg-type]
