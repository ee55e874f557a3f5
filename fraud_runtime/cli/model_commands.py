"""model list, model promote: the trained versions in the model store on HDFS, and a champion chosen by hand
(a deliberate rollback: the scorer refuses an old pointer copied back, but serves a new promotion)."""

from __future__ import annotations

import json as jsonlib
import os
import pwd
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from fraud_platform.model_store import MODELS_ROOT
from fraud_runtime.context import Context

console = Console()


def register(app: typer.Typer) -> None:
    model = typer.Typer(help="The model store on HDFS: trained versions, and the champion chosen by hand.",
                        no_args_is_help=True)
    model.command(name="list")(list_versions)
    model.command()(promote)
    app.add_typer(model, name="model")


RootOption = Annotated[str, typer.Option("--root", help="The model store's folder on HDFS.")]


def _store(root: str) -> tuple[Any, Any, str]:
    from fraud_platform.model_store import ModelStore
    from fraud_platform.webhdfs import WebHdfs

    ctx = Context.load()
    hdfs = WebHdfs(ctx.endpoints.webhdfs_url, ctx.settings.hdfs.user, timeout=10)
    return hdfs, ModelStore(root.rstrip("/")), ctx.endpoints.model_signing_key


def list_versions(json: Annotated[bool, typer.Option("--json", help="One JSON line.")] = False,
                  root: RootOption = MODELS_ROOT) -> None:
    """Every trained version, newest first: its type, test-week figures, whether this platform signed it, and
    which one is the champion (with when and by what it was promoted)."""
    from fraud_platform.model_store import ModelMetadata

    hdfs, store, key = _store(root)
    pointer = store.pointer(hdfs)
    pointer_problem = store.pointer_problem(hdfs, pointer, key) if pointer else None
    rows = []
    folders = [s["pathSuffix"] for s in hdfs.list(store.root) if s["type"] == "DIRECTORY"] if hdfs.exists(
        store.root) else []
    for version in sorted(folders, reverse=True):
        if not hdfs.exists(store.metadata_path(version)):
            continue  # a run that never finished writing
        meta = ModelMetadata.from_json(hdfs.read(store.metadata_path(version)).decode())
        rows.append({"version": version, "model_type": meta.model_type, "test_window": meta.test_window,
                     **{k: meta.metrics.get(k) for k in ("auc_roc", "average_precision", "card_precision_at_100")},
                     "signed": store.signature_problem(hdfs, version, key) is None,
                     "champion": pointer is not None and pointer.version == version})
    champion = None if pointer is None else {
        "version": pointer.version, "promoted_at": pointer.promoted_at.isoformat() if pointer.promoted_at else None,
        "promoted_by": pointer.promoted_by, "previous": pointer.previous, "problem": pointer_problem}
    if json:
        print(jsonlib.dumps({"champion": champion, "versions": rows}))
        return
    table = Table(title=f"Model store {store.root}")
    for column in ("version", "type", "AUC", "AP", "CP@100", "signed", "champion"):
        table.add_column(column)
    for row in rows:
        figures = [f"{row[k]:.3f}" if row[k] is not None else "-"
                   for k in ("auc_roc", "average_precision", "card_precision_at_100")]
        table.add_row(row["version"], row["model_type"], *figures, "yes" if row["signed"] else "[red]no[/]",
                      "[green]champion[/]" if row["champion"] else "")
    console.print(table)
    if champion:
        console.print(f"champion {champion['version']}: promoted {champion['promoted_at'] or '(unknown)'} by "
                      f"{champion['promoted_by'] or '(unknown)'}, replacing {champion['previous'] or 'nothing'}"
                      + (f"; [red]the scorer refuses it:[/] {pointer_problem}" if pointer_problem else ""),
                      highlight=False)
    else:
        console.print("no champion yet")


def promote(version: Annotated[str, typer.Argument(help="A version `fraudctl model list` shows as signed.")],
            root: RootOption = MODELS_ROOT) -> None:
    """Make VERSION the champion now (e.g. roll back to an earlier one): a new pointer signed with
    MODEL_SIGNING_KEY and promoted now, so the scorer serves it at its next model poll. An old pointer copied
    back by hand is refused instead (it was promoted before the one served)."""
    from fraud_platform.model_promotion import promote as run

    hdfs, store, key = _store(root)
    pointer = run(hdfs, store, version, key, by=f"fraudctl model promote ({pwd.getpwuid(os.getuid()).pw_name})")
    at = pointer.promoted_at.isoformat() if pointer.promoted_at else ""
    console.print(f"{version} is the champion (promoted {at}, replacing {pointer.previous or 'nothing'}); the scorer "
                  "loads it within STREAM_MODEL_POLL_SECONDS", highlight=False)
