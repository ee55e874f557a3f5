"""The champion pointer on the real HDFS and the promotion floor in the real Cassandra (issue #15): a hand
promotion (`fraudctl model promote`) renames a signed pointer over the old one under the promotion lock; the
floor the scorer keeps survives its restarts to the microsecond. The scorer refusing an old pointer copied back
on a trained model: ``test_spark_jobs.py``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from consumers.promotion_floor import CassandraPromotionFloor
from fraud_platform.config import load_config
from fraud_platform.model_promotion import PromotionRefused, promote
from fraud_platform.model_store import ModelStore, Pointer
from tests.support.model_files import ModelFiles

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(hdfs, unique: str):
    store = ModelStore(f"/tmp/it-models-{unique}")
    yield store
    hdfs.delete(store.root, recursive=True)


def signed_version(hdfs, store: ModelStore, version: str, key: str) -> None:
    """A version's metadata and signature, as ``train_model`` writes them (no pipeline: promotion reads none)."""
    files = ModelFiles(key, store).version(version, {
        "model_type": "lr", "feature_names": ["tx_amount"], "trained_at": "2026-12-08T00:00:00+00:00",
        "metrics": {"auc_roc": 0.9, "average_precision": 0.7, "card_precision_at_100": 0.3},
        "train_window": ["a", "b"], "test_window": ["c", "d"], "n_train": 1, "n_test": 1}).files
    for path, data in files.items():
        hdfs.create(path, data)


def fraudctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fraud_runtime", *args], capture_output=True, text=True,
                          env={**os.environ, "FRAUD_ROOT": str(ROOT), "PYTHONPATH": str(ROOT)}, cwd=ROOT, timeout=120)


def test_a_hand_promotion_replaces_the_pointer_in_one_signed_step(hdfs, store: ModelStore) -> None:
    key = load_config().endpoints.model_signing_key
    for version in ("20261201T000000Z-lr", "20261202T000000Z-gbt"):
        signed_version(hdfs, store, version, key)
    first = promote(hdfs, store, "20261202T000000Z-gbt", key, by="test")
    back = promote(hdfs, store, "20261201T000000Z-lr", key, by="test")  # renamed over the existing pointer
    pointer = store.pointer(hdfs)
    assert pointer == back and pointer.problem(key) is None and pointer.previous == "20261202T000000Z-gbt"
    assert first.promoted_at < back.promoted_at
    assert not hdfs.exists(store.promotion_lock) and not hdfs.exists(f"{store.champion_pointer}._tmp")
    assert store.pointer_problem(hdfs, pointer, key) is None

    hdfs.create(store.promotion_lock, b"train_model run-42", overwrite=False)  # a run promoting right now
    with pytest.raises(PromotionRefused, match="another promotion is running \\(train_model run-42"):
        promote(hdfs, store, "20261202T000000Z-gbt", key, by="test")
    assert store.pointer(hdfs) == back
    hdfs.delete(store.promotion_lock)

    unsigned = "20261203T000000Z-rf"
    hdfs.create(store.metadata_path(unsigned), json.dumps({"version": unsigned}).encode())
    with pytest.raises(PromotionRefused, match="not signed with this platform's MODEL_SIGNING_KEY"):
        promote(hdfs, store, unsigned, key, by="test")
    with pytest.raises(PromotionRefused, match="no model version 'nope'"):
        promote(hdfs, store, "nope", key, by="test")
    assert store.pointer(hdfs) == back


def test_fraudctl_model_lists_and_promotes_and_refuses_in_one_line(hdfs, store: ModelStore) -> None:
    key = load_config().endpoints.model_signing_key
    for version in ("20261201T000000Z-lr", "20261202T000000Z-gbt"):
        signed_version(hdfs, store, version, key)
    done = fraudctl("model", "promote", "20261201T000000Z-lr", "--root", store.root)
    assert done.returncode == 0, done.stderr
    listed = fraudctl("model", "list", "--json", "--root", store.root)
    assert listed.returncode == 0, listed.stderr
    out = json.loads(listed.stdout.strip().splitlines()[-1])
    assert [(v["version"], v["signed"], v["champion"]) for v in out["versions"]] == [
        ("20261202T000000Z-gbt", True, False), ("20261201T000000Z-lr", True, True)]
    assert out["champion"]["problem"] is None and out["champion"]["promoted_by"].startswith("fraudctl model promote")
    refused = fraudctl("model", "promote", "20991231T000000Z-none", "--root", store.root)
    assert refused.returncode == 2 and "no model version '20991231T000000Z-none'" in refused.stderr
    assert "Traceback" not in refused.stderr
    hdfs.create(store.champion_pointer, b"20261202T000000Z-gbt\n")  # repointed by hand, without the key
    text = fraudctl("model", "list", "--root", store.root).stdout
    assert "the scorer refuses it" in text and "not signed" in text


def test_the_promotion_floor_survives_to_the_microsecond(cql, unique: str) -> None:
    floor = CassandraPromotionFloor(cql, f"it-{unique}", "/models/fraud")
    assert floor.load() is None
    at = datetime(2026, 12, 8, 1, 2, 3, 456789, tzinfo=UTC)
    floor.raise_to(at, "v2-gbt")
    again = CassandraPromotionFloor(cql, f"it-{unique}", "/models/fraud")  # a restarted scorer
    assert again.load() == at
    assert CassandraPromotionFloor(cql, f"it-{unique}", "/other-root").load() is None
    assert Pointer.promote("v1", "k", by="t", previous=None, now=at).promoted_at == again.load()
    cql.execute("DELETE FROM model_promotion_floor WHERE scorer_group = %s", (f"it-{unique}",))
