"""Switching rules, ISO 2859-1:1999 clause 9, replayed over lots in finalised order.

Lots are 1000 items at level II (code letter J). At AQL 2.5 the normal plan is
n 80, Ac 5, and one AQL step tighter (1.5) it is Ac 3, so an accepted lot with
at most 3 nonconforming items adds 3 to the switching score, and one with 4 or
5 resets it. At AQL 0.65 the normal plan has Ac 1, so each accepted lot adds 2.
"""

from __future__ import annotations

import itertools

import pytest

from server.aql import AqlError, LotRecord, SwitchingState, switching_history

_numbers = itertools.count(1)


def accepted(label: str | None = None, count: int = 0, aql: str = "2.5") -> LotRecord:
    label = label or f"PO {next(_numbers)}"
    return LotRecord(label, 1000, "II", aql, count, True, inspection_id=f"i-{label}", when="2024-05-01")


def rejected(label: str | None = None, count: int = 9, aql: str = "2.5") -> LotRecord:
    label = label or f"PO {next(_numbers)}"
    return LotRecord(label, 1000, "II", aql, count, False, inspection_id=f"i-{label}", when="2024-05-02")


def states_along(result: SwitchingState) -> list[str]:
    return [result.history[0]["from"]] + [entry["to"] for entry in result.history] if result.history else []


# --- starting state ------------------------------------------------------------------------


def test_no_lots_means_the_starting_state():
    result = switching_history([])
    assert (result.state, result.score, result.reason, result.history) == ("normal", 0, "normal: starting state", [])
    assert (result.reason_code, result.reason_params, result.reason_notes) == ("starting_state", {"state": "normal"}, [])


def test_resuming_on_tightened_with_no_lots():
    result = switching_history([], start_state="tightened")
    assert (result.state, result.reason) == ("tightened", "tightened: starting state")


# --- normal -> tightened (9.3.1) ----------------------------------------------------------


def test_two_rejections_within_five_lots_switch_to_tightened():
    lots = [rejected("PO 4411"), accepted("PO 4412"), accepted("PO 4413"), accepted("PO 4414"), rejected("PO 4415")]
    result = switching_history(lots)
    assert result.state == "tightened"
    assert result.reason == "tightened since PO 4411 and PO 4415 were rejected within 5 lots"
    assert result.history == [{
        "from": "normal",
        "to": "tightened",
        "after_lot": "PO 4415",
        "inspection_id": "i-PO 4415",
        "when": "2024-05-02",
        "reason": "tightened since PO 4411 and PO 4415 were rejected within 5 lots",
        "reason_code": "tightened_after_rejections",
        "reason_params": {"lots": ["PO 4411", "PO 4415"], "window": 5},
    }]
    # The same reason as a code with its parameters, for an app to word in its user's language.
    assert (result.reason_code, result.reason_params) == (
        "tightened_after_rejections", {"lots": ["PO 4411", "PO 4415"], "window": 5})
    assert result.score == 0


def test_two_rejections_in_a_row_switch_to_tightened():
    result = switching_history([accepted(), rejected("PO 7"), rejected("PO 8")])
    assert result.state == "tightened"
    assert "PO 7" in result.reason and "PO 8" in result.reason


def test_two_rejections_six_lots_apart_do_not_switch():
    lots = [rejected("PO 1")] + [accepted() for _ in range(4)] + [rejected("PO 6")]
    result = switching_history(lots)
    assert result.state == "normal"
    assert result.history == []


def test_rejections_before_normal_inspection_restarted_do_not_count():
    # Tightened: one rejection, then five accepted lots -> normal. A rejection on
    # normal right after is the first one of the new normal period.
    lots = [rejected("T1")] + [accepted() for _ in range(5)] + [rejected("N1")]
    result = switching_history(lots, start_state="tightened")
    assert result.state == "normal"
    assert states_along(result) == ["tightened", "normal"]


# --- tightened -> normal (9.3.2) ----------------------------------------------------------


def test_five_consecutive_accepted_on_tightened_return_to_normal():
    labels = ["PO 21", "PO 22", "PO 23", "PO 24", "PO 25"]
    result = switching_history([accepted(label) for label in labels], start_state="tightened")
    assert result.state == "normal"
    assert result.reason == "normal: 5 consecutive lots accepted on tightened (PO 21, PO 22, PO 23, PO 24, PO 25)"
    assert result.history[-1]["after_lot"] == "PO 25"
    assert result.score == 0


def test_a_rejection_on_tightened_restarts_the_count_of_five():
    lots = [accepted(), accepted(), rejected(), accepted(), accepted(), accepted(), accepted()]
    result = switching_history(lots, start_state="tightened")
    assert result.state == "tightened"
    assert (result.tightened_accepted_in_a_row, result.tightened_not_accepted) == (4, 1)
    result = switching_history(lots + [accepted("PO last")], start_state="tightened")
    assert result.state == "normal"
    assert "PO last" in result.reason


# --- switching score and normal -> reduced (9.3.3) ----------------------------------------


def test_score_adds_three_when_accepted_at_one_step_tighter():
    result = switching_history([accepted(count=c) for c in (0, 1, 3)])
    assert (result.state, result.score) == ("normal", 9)


def test_score_resets_when_accepted_but_not_at_one_step_tighter():
    # 4 is within Ac 5 of AQL 2.5 but above Ac 3 of AQL 1.5.
    result = switching_history([accepted(count=0), accepted(count=2), accepted(count=4)])
    assert (result.state, result.score) == ("normal", 0)
    result = switching_history([accepted(count=0), accepted(count=4), accepted(count=0)])
    assert result.score == 3


def test_a_rejected_lot_resets_the_score():
    lots = [accepted() for _ in range(6)] + [rejected()] + [accepted(), accepted()]
    result = switching_history(lots)
    assert (result.state, result.score) == ("normal", 6)


def test_small_acceptance_numbers_add_two_per_accepted_lot():
    lots = [accepted(aql="0.65") for _ in range(3)] + [rejected(aql="0.65", count=2)] + [accepted(aql="0.65")]
    result = switching_history(lots)
    assert (result.state, result.score) == ("normal", 2)


def test_zero_tolerance_lots_add_two():
    result = switching_history([accepted(aql="0") for _ in range(4)])
    assert result.score == 8


def test_score_of_exactly_thirty_switches_to_reduced():
    nine = [accepted() for _ in range(9)]
    before = switching_history(nine)
    assert (before.state, before.score) == ("normal", 27)
    result = switching_history(nine + [accepted("PO 4420")])
    assert (result.state, result.score) == ("reduced", 30)
    assert result.history[-1]["after_lot"] == "PO 4420"
    assert "PO 4420" in result.reason and "30" in result.reason


def test_thirty_by_twos_switches_to_reduced():
    result = switching_history([accepted(aql="0.65") for _ in range(15)])
    assert (result.state, result.score) == ("reduced", 30)


def test_no_reduced_inspection_without_steady_production():
    result = switching_history([accepted() for _ in range(12)], steady_production=False)
    assert (result.state, result.score) == ("normal", 36)
    assert result.history == []
    assert "not marked steady" in result.reason
    assert result.reason_code == "starting_state"
    assert result.reason_notes == [{"code": "score_without_steady_production", "params": {"score": 36, "needed": 30}}]


# --- reduced -> normal (9.3.4) -----------------------------------------------------------


def test_a_rejection_on_reduced_returns_to_normal_and_resets_the_score():
    lots = [accepted() for _ in range(10)] + [accepted(), rejected("PO 4433")]
    result = switching_history(lots)
    assert states_along(result) == ["normal", "reduced", "normal"]
    assert (result.state, result.score) == ("normal", 0)
    assert result.reason == "normal: PO 4433 was rejected on reduced inspection"
    assert (result.reason_code, result.reason_params) == ("normal_after_reduced_rejection", {"lot": "PO 4433"})


def test_reduced_continues_while_lots_are_accepted():
    result = switching_history([accepted() for _ in range(20)])
    assert result.state == "reduced"
    assert len(result.history) == 1


def test_irregular_production_ends_reduced_inspection():
    result = switching_history([accepted()], steady_production=False, start_state="reduced")
    assert result.state == "normal"
    assert result.history[0]["after_lot"] is None
    assert "not steady" in result.reason
    assert result.score == 3  # the lot after the switch counts on normal inspection


# --- discontinuation (9.4) ----------------------------------------------------------------


def test_five_rejections_on_tightened_discontinue_inspection():
    labels = ["PO 31", "PO 33", "PO 35", "PO 37", "PO 39"]
    lots = []
    for index, label in enumerate(labels):
        lots.append(rejected(label))
        if index < len(labels) - 1:
            lots.append(accepted())  # accepted lots in between do not clear the cumulative count
    result = switching_history(lots, start_state="tightened")
    assert result.state == "discontinued"
    for label in labels:
        assert label in result.reason
    assert result.history[-1]["after_lot"] == "PO 39"
    assert (result.reason_code, result.reason_params) == ("discontinued_after_rejections", {"lots": labels, "count": 5})


def test_four_rejections_on_tightened_keep_tightened():
    result = switching_history([rejected(), accepted(), rejected(), rejected(), rejected()], start_state="tightened")
    assert (result.state, result.tightened_not_accepted) == ("tightened", 4)


def test_discontinued_stays_until_the_caller_resumes():
    lots = [rejected() for _ in range(5)] + [accepted() for _ in range(6)]
    result = switching_history(lots, start_state="tightened")
    assert result.state == "discontinued"
    assert "6 later lot(s) were not evaluated" in result.reason
    assert result.reason_notes == [{"code": "lots_not_evaluated", "params": {"count": 6}}]
    resumed = switching_history([accepted() for _ in range(5)], start_state="tightened")
    assert resumed.state == "normal"


def test_tightened_count_restarts_after_returning_to_normal():
    lots = (
        [rejected(), rejected()]  # normal -> tightened
        + [rejected(), rejected(), accepted(), accepted(), accepted(), accepted(), accepted()]  # -> normal
        + [rejected(), accepted(), accepted(), accepted(), accepted(), rejected()]  # two rejections 6 apart
    )
    result = switching_history(lots)
    assert states_along(result) == ["normal", "tightened", "normal"]
    assert result.state == "normal"


# --- a whole story ---------------------------------------------------------------------------


def test_full_cycle_history():
    lots = (
        [rejected("A1"), rejected("A2")]  # -> tightened
        + [accepted(f"B{i}") for i in range(1, 6)]  # -> normal, score restarts at 0
        + [accepted(f"C{i}") for i in range(1, 11)]  # score 30 -> reduced
        + [accepted("D1"), rejected("D2")]  # -> normal
        + [accepted("E1")]
    )
    result = switching_history(lots)
    assert [(h["from"], h["to"], h["after_lot"], h["reason_code"]) for h in result.history] == [
        ("normal", "tightened", "A2", "tightened_after_rejections"),
        ("tightened", "normal", "B5", "normal_after_tightened_accepted"),
        ("normal", "reduced", "C10", "reduced_after_score"),
        ("reduced", "normal", "D2", "normal_after_reduced_rejection"),
    ]
    assert result.history[2]["reason_params"] == {"score": 30, "needed": 30, "lot": "C10"}
    assert (result.state, result.score) == ("normal", 3)
    assert result.as_dict() == {
        "state": "normal",
        "score": 3,
        "reason": "normal: D2 was rejected on reduced inspection",
        "reason_code": "normal_after_reduced_rejection",
        "reason_params": {"lot": "D2"},
        "reason_notes": [],
        "history": result.history,
        "tightened_accepted_in_a_row": 0,
        "tightened_not_accepted": 0,
    }


# --- bad input ---------------------------------------------------------------------------------


def test_bad_start_state():
    with pytest.raises(AqlError) as caught:
        switching_history([], start_state="discontinued")
    assert caught.value.field == "start_state"


def test_bad_lot_names_the_lot_and_field():
    lot = LotRecord("PO 9001", 1000, "II", "3", 0, True)
    with pytest.raises(AqlError) as caught:
        switching_history([accepted(), lot])
    assert caught.value.field == "aql"
    assert "PO 9001" in caught.value.message


@pytest.mark.parametrize(
    "lot",
    [
        LotRecord("PO 1", 1000, "II", "2.5", -1, True),
        LotRecord("PO 1", 1000, "II", "2.5", 0, "yes"),
        ("PO 1", 1000, "II", "2.5", 0, True),
    ],
)
def test_malformed_lots(lot):
    with pytest.raises(AqlError) as caught:
        switching_history([lot])
    assert caught.value.field == "lots"
