"""`bench/model.py`'s run, end to end with the Spark jobs and the API faked: the jobs and their arguments in
order, the output (table, then the JSON line last), and the sandbox emptied before and removed after."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import pytest

from bench import model
from bench._errors import BenchError
from bench._sandbox import JobRun, Sandbox
from spark_jobs.extract import ApiSource
from spark_jobs.train_model import MODEL_TYPES

REPORT = {"n_train": 66_000, "n_test": 57_000,
          "models": {m: {"auc_roc": 0.87, "average_precision": 0.6, "card_precision_at_100": 0.29,
                         "train_seconds": 12.5, "seconds": 30.0} for m in MODEL_TYPES}}


@dataclass(frozen=True)
class FakeSandbox(Sandbox):
    calls: list = field(default_factory=list)
    fail: str = ""

    def run(self, config, job, *args):
        self.calls.append((job, *args))
        if job == self.fail:
            raise BenchError(f"{job} failed (exit 2):\nERROR: boom")
        stdout = "chatter\n" + json.dumps(REPORT) + "\n" if job == "train_model" else "{}\n"
        return JobRun(1.0, stdout)

    def remove(self, config):
        self.calls.append(("remove",))

    def hdfs(self, config):
        return None


@pytest.fixture
def box(monkeypatch) -> FakeSandbox:
    fake = FakeSandbox(model.SANDBOX.database, model.SANDBOX.base)
    monkeypatch.setattr(model, "SANDBOX", fake)
    monkeypatch.setattr(model, "platform_source", lambda ctx: ApiSource("http://api.test", "t"))
    monkeypatch.setattr(model, "dataset_range", lambda source: (date(2018, 4, 1), date(2018, 9, 30)))
    monkeypatch.setattr(model, "extract", lambda source, hdfs, protocol, progress: 566_446)
    return fake


def test_the_jobs_run_in_order_on_the_sandbox_and_the_json_line_is_last(box, capsys) -> None:
    assert model.main(["--json", "--models", "lr,gbt"]) == 0
    jobs = [c[0] for c in box.calls]
    assert jobs == ["remove", "load_day", "build_features", "train_model", "remove"]
    assert box.calls[1][1:] == ("--dt", "2018-06-18", "--until", "2018-08-14", *box.load_args())
    assert box.calls[2][1:] == ("--start", "2018-07-25", "--end", "2018-08-14", "--database", "fraud_model_bench")
    assert box.calls[3][1:] == ("--database", "fraud_model_bench", "--models-root", "/tmp/bench-model/models",
                                "--train-start", "2018-07-25", "--train-days", "7", "--delay-days", "7",
                                "--test-days", "7", "--models", "lr,gbt")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[2] == "| model | AUC ROC | AP | CP@100 | train s |"
    last = json.loads(lines[-1])
    assert [m["name"] for m in last["models"]] == list(MODEL_TYPES) and last["models"][0]["train_seconds"] == 12.5
    assert last["data"] == {"source": "transactions-api", "url": "http://api.test", "transactions": 566_446,
                            "n_train": 66_000, "n_test": 57_000}


def test_keep_leaves_the_sandbox(box, capsys) -> None:
    assert model.main(["--keep"]) == 0
    assert [c[0] for c in box.calls].count("remove") == 1  # emptied before the run only
    assert not capsys.readouterr().out.strip().splitlines()[-1].startswith("{")  # no --json, no JSON line


def test_a_failing_job_is_reported_and_the_sandbox_still_removed(box, monkeypatch, capsys) -> None:
    monkeypatch.setattr(model, "SANDBOX", failing := FakeSandbox(box.database, box.base, fail="build_features"))
    assert model.main(["--json"]) == 2
    assert [c[0] for c in failing.calls][-2:] == ["build_features", "remove"]
    out, err = capsys.readouterr()
    assert out == "" and "model: error: build_features failed" in err


def test_data_that_misses_the_window_stops_before_the_sandbox_is_touched(box, monkeypatch, capsys) -> None:
    monkeypatch.setattr(model, "dataset_range", lambda source: (date(2018, 4, 1), date(2018, 4, 7)))
    assert model.main([]) == 2
    assert box.calls == []
    assert "the data covers 2018-04-01..2018-04-07" in capsys.readouterr().err
