"""`fraudctl status`'s model line: the champion's test-week metrics and what the scorer serves."""

from __future__ import annotations

from fraud_runtime.model_status import _SERVING, ModelStatus


def test_the_line_names_the_champion_its_metrics_and_what_is_served() -> None:
    status = ModelStatus(champion="20261130T012400Z-lr", model_type="lr", test_window=["2018-08-08", "2018-08-14"],
                         auc_roc=0.8704, average_precision=0.6124, card_precision_at_100=0.2986,
                         serving="20261130T012400Z-lr")
    assert status.line() == ("model: champion 20261130T012400Z-lr (lr; test 2018-08-08..2018-08-14: AP 0.612, "
                             "AUC 0.870, CP@100 0.299); scorer serving 20261130T012400Z-lr")
    assert status.as_json()["average_precision"] == 0.6124


def test_no_champion_and_problems_are_said() -> None:
    line = ModelStatus(serving="none", problems=("model store unreadable (ConnectionError)",)).line()
    assert line == ("model: no champion yet (the bootstrap_history DAG trains the first one); scorer serving none; "
                    "model store unreadable (ConnectionError)")


def test_the_served_version_is_read_from_the_scorer_metric() -> None:
    text = ('# HELP fraud_stream_model_info Model version in use (value 1)\n'
            'fraud_stream_model_info{consumer="scorer",model_version="none"} 0.0\n'
            'fraud_stream_model_info{consumer="scorer",model_version="v2-gbt"} 1.0\n')
    assert [m[0] for m in _SERVING.findall(text)] == ["v2-gbt"]


def test_a_champion_the_scorer_refuses_is_said_beside_its_figures() -> None:
    status = ModelStatus(champion="v1-lr", model_type="lr", test_window=["2018-08-08", "2018-08-14"],
                         auc_roc=0.87, average_precision=0.61, card_precision_at_100=0.30,
                         problems=("the scorer refuses this champion: its metadata is not signed with this "
                                   "platform's MODEL_SIGNING_KEY",))
    assert status.line().endswith("CP@100 0.300); the scorer refuses this champion: its metadata is not signed "
                                  "with this platform's MODEL_SIGNING_KEY")
