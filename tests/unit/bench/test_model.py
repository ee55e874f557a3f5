"""`bench/model.py` without services: the protocol's window, arguments, the table and the JSON line, the
sandbox's isolation, and a bad --data path."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from bench import model
from bench._sandbox import JobRun
from fraud_platform.api_client import parse_dataset
from fraud_platform.lake import DATABASE, QUARANTINE_ROOT, RAW_ROOT
from fraud_platform.model_store import MODELS_ROOT
from spark_jobs.protocol import FEATURE_DAYS, Protocol
from spark_jobs.train_model import MODEL_TYPES

ROOT = Path(__file__).resolve().parents[3]
REPORT = {"run_id": "r", "version": "r-rf", "promoted": True, "n_train": 66_000, "n_test": 57_000,
          "models": {m: {"auc_roc": 0.87, "average_precision": 0.6 + i / 100, "card_precision_at_100": 0.29,
                         "train_seconds": 10.0 + i, "seconds": 20.0 + i} for i, m in enumerate(MODEL_TYPES)}}


def test_the_handbook_window() -> None:
    p = Protocol()
    assert (p.train_start, p.train_end) == (date(2018, 7, 25), date(2018, 7, 31))
    assert (p.test_start, p.last_day) == (date(2018, 8, 8), date(2018, 8, 14))
    assert p.first_day == date(2018, 6, 18) and len(p.days()) == 58  # 37 days of feature history + 21
    assert p.days()[0] == p.first_day and p.days()[-1] == p.last_day
    assert p.train_args() == ["--train-start", "2018-07-25", "--train-days", "7", "--delay-days", "7",
                              "--test-days", "7"]
    assert p.to_json()["test"] == ["2018-08-08", "2018-08-14"] and p.to_json()["loaded"][0] == "2018-06-18"


def test_the_window_is_the_training_dags() -> None:
    # Both training DAGs get their tasks from dags/support.py's training_tasks, whose offsets are the
    # protocol's: features and training start at D-21, features end at D-1.
    support = (ROOT / "dags" / "support.py").read_text()
    p = Protocol()
    assert (p.run_date - p.train_start).days == FEATURE_DAYS and (p.run_date - p.last_day).days == 1
    assert "for offset in (-FEATURE_DAYS, -1)" in support
    assert 'training_tasks("ds")' in (ROOT / "dags" / "features_and_training.py").read_text()
    assert "training_tasks(f\"{WINDOW}['run']\")" in (ROOT / "dags" / "bootstrap_history.py").read_text()


def test_a_protocol_can_start_on_a_given_day() -> None:
    p = Protocol.starting(date(2018, 4, 1))  # bench/batch.py train: the simulator's first 58 days
    assert p.first_day == date(2018, 4, 1) and len(p.days()) == 58 and p.train_start == date(2018, 5, 8)


def test_arguments() -> None:
    args = model.parse_args([])
    assert (args.data, args.json, args.keep, args.models) == (None, False, False, list(MODEL_TYPES))
    args = model.parse_args(["--data", "x.csv", "--json", "--keep", "--models", "lr, gbt"])
    assert (args.data, args.json, args.keep, args.models) == (Path("x.csv"), True, True, ["lr", "gbt"])
    for bad in (["--models", "svm"], ["--models", ","], ["--nope"]):
        with pytest.raises(SystemExit) as exc:
            model.parse_args(bad)
        assert exc.value.code == 2


def test_every_trained_model_has_a_display_name() -> None:
    assert set(model.MODEL_NAMES) == set(MODEL_TYPES)


@pytest.mark.parametrize(("name", "expected"), [("missing.csv", "no such file"), ("data.txt", "expected a")])
def test_a_bad_data_path_is_one_line_and_a_non_zero_exit(tmp_path, capsys, name, expected) -> None:
    (tmp_path / "data.txt").write_text("x\n")
    assert model.main(["--data", str(tmp_path / name)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("model: error: --data ") and expected in err


def test_the_train_report_is_read_from_the_jobs_stdout() -> None:
    stdout = "some spark chatter\n{not json\n" + json.dumps({"other": 1}) + "\n" + json.dumps(REPORT) + "\n"
    report = model.train_report(JobRun(1.0, stdout).json_lines())
    scores = model.scores_from_report(report)
    assert [s.name for s in scores] == list(MODEL_TYPES)
    assert scores[1].average_precision == pytest.approx(0.61) and scores[1].train_seconds == 11.0
    with pytest.raises(model.BenchError, match="no result line"):
        model.train_report(JobRun(1.0, '{"start": "x"}\n').json_lines())


def test_the_json_line_shape() -> None:
    scores = model.scores_from_report(REPORT)
    data = {"source": "file", "path": "/d/h.csv", "transactions": 566_446, "n_train": 66_000, "n_test": 57_000}
    line = model.result_json(scores, data, Protocol())
    assert "\n" not in line
    obj = json.loads(line)
    assert set(obj) == {"models", "data", "protocol"}
    assert [set(m) for m in obj["models"]] == [{"name", "auc_roc", "average_precision", "card_precision_at_100",
                                                "train_seconds"}] * len(MODEL_TYPES)
    assert obj["models"][0] == {"name": "lr", "auc_roc": 0.87, "average_precision": 0.6,
                                "card_precision_at_100": 0.29, "train_seconds": 10.0}
    assert obj["data"] == data and obj["protocol"]["train"] == ["2018-07-25", "2018-07-31"]


def test_the_table_puts_this_run_beside_the_handbook() -> None:
    data = {"source": "transactions-api", "url": "http://127.0.0.1:8000", "transactions": 566_446,
            "n_train": 66_000, "n_test": 57_000}
    text = model.markdown(model.scores_from_report(REPORT), Protocol(), data)
    head, blank, header, rule, *rows = text.splitlines()
    assert "train 2018-07-25..2018-07-31" in head and "test 2018-08-08..2018-08-14" in head and blank == ""
    assert header == "| model | AUC ROC | AP | CP@100 | train s |" and rule == "|---|---|---|---|---|"
    assert len(rows) == len(MODEL_TYPES) + len(model.HANDBOOK)
    assert rows[0] == "| this run: logistic regression | 0.870 | 0.600 | 0.290 | 10.0 |"
    assert rows[3] == "| handbook: logistic regression | 0.871 | 0.606 | 0.291 | — |"
    assert rows[-1] == "| handbook: XGBoost, tuned | 0.869 | 0.687 | 0.303 | — |"


def test_the_handbooks_numbers_live_in_one_place() -> None:
    sources = [p for pkg in ("bench", "spark_jobs", "fraud_platform", "apps") for p in (ROOT / pkg).rglob("*.py")]
    homes = sorted(str(p.relative_to(ROOT)) for p in sources if re.search(r"0\.606\b", p.read_text()))
    assert homes == ["bench/model.py"]


@pytest.mark.parametrize(("described", "problem"), [
    ("2018-04-01..2018-09-30", None),
    ("2018-06-18..2018-08-14", None),
    ("2018-04-01..2018-04-07", "the data covers 2018-04-01..2018-04-07; the protocol needs 2018-06-18..2018-08-14"),
    ("2018-06-19..2018-09-30", "the protocol needs 2018-06-18"),
])
def test_coverage_of_the_window(described, problem) -> None:
    served = parse_dataset(described)
    assert served is not None
    got = Protocol().coverage_problem(*served)
    assert (got is None) if problem is None else (problem in got)


@pytest.mark.parametrize("described", [None, "garbage", "a..b", 7, "2018-04-01.."])
def test_an_api_that_does_not_describe_its_range_is_none(described) -> None:
    assert parse_dataset(described) is None


def test_the_latest_run_ends_on_the_last_day_served() -> None:
    latest = Protocol.latest(date(2018, 4, 1), date(2018, 9, 30))
    assert latest.run_date == date(2018, 10, 1) and latest.last_day == date(2018, 9, 30)
    assert latest.first_day == date(2018, 8, 4) and len(latest.days()) == 58
    with pytest.raises(ValueError, match=r"the data covers 2018-04-01\.\.2018-05-01"):
        Protocol.latest(date(2018, 4, 1), date(2018, 5, 1))


def test_the_sandbox_is_not_the_platform() -> None:
    box = model.SANDBOX
    assert box.database != DATABASE
    for root, platform in ((box.raw_root, RAW_ROOT), (box.quarantine_root, QUARANTINE_ROOT),
                           (box.models_root, MODELS_ROOT)):
        assert root.startswith(box.base + "/") and not root.startswith(platform)
    assert box.load_args() == ["--database", "fraud_model_bench", "--raw-root", "/tmp/bench-model/raw",
                               "--quarantine-root", "/tmp/bench-model/quarantine"]
