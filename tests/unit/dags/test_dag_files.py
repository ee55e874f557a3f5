"""The DAG files' shape, read as source (the platform venv has no Airflow; importing them, parsing without
network and the tasks' retry/timeout/e-mail arguments are checked in the Airflow venv by
tests/integration/test_dag_integrity.py). A DAG file is wiring: one ``@dag`` function in the Airflow 3
style, called once, task bodies of a few lines, nothing else running at parse time."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[3] / "dags"
HELPERS = {"__init__.py", "support.py"}
FILES = sorted(p for p in DAGS.glob("*.py") if p.name not in HELPERS)
MAX_TASK_BODY_LINES = 10


def _decorator(node: ast.FunctionDef, name: str) -> ast.expr | None:
    for d in node.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        if isinstance(target, ast.Name) and target.id == name:
            return d
    return None


def _dag_function(tree: ast.Module) -> ast.FunctionDef:
    dags = [n for n in tree.body if isinstance(n, ast.FunctionDef) and _decorator(n, "dag") is not None]
    assert len(dags) == 1, "one @dag function per file"
    return dags[0]


def test_the_expected_dag_files_exist() -> None:
    assert {p.stem for p in FILES} == {"transactions_daily", "features_and_training", "bootstrap_history",
                                      "platform_canary", "superset_refresh", "decisions_daily"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_one_dag_in_the_airflow_3_style(path: Path) -> None:
    tree = ast.parse(path.read_text())
    fn = _dag_function(tree)
    assert fn.name == path.stem, "the DAG id is the file name"
    assert ast.get_docstring(tree), "the module docstring is the DAG's doc_md"
    decorator = _decorator(fn, "dag")
    assert isinstance(decorator, ast.Call)
    args = {k.arg: k.value for k in decorator.keywords}
    assert {"schedule", "start_date", "catchup", "tags", "doc_md", "default_args"} <= set(args), sorted(args)
    assert ast.unparse(args["doc_md"]) == "__doc__"
    assert "tzinfo=UTC" in ast.unparse(args["start_date"]), "start_date must be UTC"
    airflow_imports = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                       and n.module and n.module.split(".")[0] == "airflow"}
    assert airflow_imports <= {"airflow.sdk"}, "DAG files use the Airflow 3 SDK; operators live in dags/support.py"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_nothing_runs_at_parse_time_but_the_dag_call(path: Path) -> None:
    tree = ast.parse(path.read_text())
    fn = _dag_function(tree)
    calls = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant | ast.Tuple):
            assert all(isinstance(e, ast.Constant) for e in ast.walk(node.value) if isinstance(e, ast.expr)
                       and not isinstance(e, ast.Tuple)), ast.unparse(node)
            continue
        assert isinstance(node, ast.Expr) and isinstance(node.value, ast.Call), f"runs at parse: {ast.unparse(node)}"
        calls.append(ast.unparse(node.value))
    assert calls == [f"{fn.name}()"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_task_bodies_are_a_few_lines_calling_library_code(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for node in ast.walk(_dag_function(tree)):
        if isinstance(node, ast.FunctionDef) and _decorator(node, "task") is not None:
            lines = node.body[-1].end_lineno - node.body[0].lineno + 1
            assert lines <= MAX_TASK_BODY_LINES, f"{node.name}: {lines} lines; move the logic to spark_jobs/"


def test_dag_support_imports_no_settings_or_http_stack_at_parse_time() -> None:
    """DAG files are parsed every 30 s: what `dags/support.py` needs at import must stay light (pydantic and
    requests load when a task runs)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    code = ("import sys, fraud_platform.spark, fraud_platform.airflow_contract\n"
            "heavy = sorted(m for m in ('pydantic_settings', 'pydantic', 'requests', 'pyspark') if m in sys.modules)\n"
            "print(','.join(heavy))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root,
                            env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == ""
