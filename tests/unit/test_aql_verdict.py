"""Verdicts: each class against its plan, the lot against all classes, and counting defects."""

from __future__ import annotations

import pytest

from server.aql import AqlError, Plan, count_by_class, judge, plan_for

# Lot of 1000, level II (code letter J). Different AQLs give different samples:
# critical AQL 0.10 -> arrow down to K, n 125, Ac 0; major 2.5 -> J, 80, Ac 5; minor 4.0 -> J, 80, Ac 7.
PLANS = {
    "critical": plan_for(1000, "II", "0.10"),
    "major": plan_for(1000, "II", "2.5"),
    "minor": plan_for(1000, "II", "4.0"),
}


def test_the_plans_used_here():
    assert [(p.sample_size, p.accept, p.reject) for p in PLANS.values()] == [(125, 0, 1), (80, 5, 6), (80, 7, 8)]


@pytest.mark.parametrize(
    "count,result,at_limit,remaining",
    [
        (0, "pass", False, 5),
        (4, "pass", False, 1),  # below the limit
        (5, "pass", True, 0),  # at the limit: Ac, still accepted
        (6, "fail", False, -1),  # Re: rejected
        (9, "fail", False, -4),  # above
    ],
)
def test_major_class_at_below_and_above_its_limit(count, result, at_limit, remaining):
    verdict = judge(PLANS, {"critical": 0, "major": count, "minor": 0})
    major = verdict.classes["major"]
    assert (major.count, major.result, major.at_limit, major.remaining) == (count, result, at_limit, remaining)
    assert major.plan is PLANS["major"]
    assert verdict.overall == result


@pytest.mark.parametrize("count,result", [(0, "pass"), (1, "fail"), (2, "fail")])
def test_critical_class_with_zero_acceptance(count, result):
    verdict = judge(PLANS, {"critical": count, "major": 0, "minor": 0})
    assert verdict.classes["critical"].result == result
    assert verdict.classes["critical"].at_limit is (count == 0)
    assert verdict.overall == result


def test_one_failing_class_fails_the_lot():
    verdict = judge(PLANS, {"critical": 0, "major": 5, "minor": 8})
    assert [c.result for c in verdict.classes.values()] == ["pass", "pass", "fail"]
    assert verdict.overall == "fail"


def test_every_class_at_its_limit_still_passes():
    verdict = judge(PLANS, {"critical": 0, "major": 5, "minor": 7})
    assert verdict.overall == "pass"
    assert all(c.at_limit for c in verdict.classes.values())


def test_sample_size_to_inspect_is_the_largest_sample():
    assert judge(PLANS, {}).sample_size_to_inspect == 125
    assert judge({"major": PLANS["major"]}, {"major": 1}).sample_size_to_inspect == 80


def test_a_class_without_a_count_found_nothing():
    verdict = judge(PLANS, {"major": 2})
    assert verdict.classes["critical"].count == 0
    assert verdict.classes["minor"].count == 0
    assert verdict.overall == "pass"


def test_any_class_names_are_accepted():
    plans = {"fit": plan_for(500, "I", "1.5"), "print": plan_for(500, "I", "4.0")}
    verdict = judge(plans, {"fit": 3, "print": 1})
    assert set(verdict.classes) == {"fit", "print"}


def test_full_inspection_plan_is_judged_the_same_way():
    plan = plan_for(10, "II", "0.65")
    assert plan.full_inspection
    assert judge({"major": plan}, {"major": 1}).overall == "fail"
    assert judge({"major": plan}, {"major": 0}).overall == "pass"


def test_verdict_as_dict():
    verdict = judge(PLANS, {"critical": 0, "major": 6, "minor": 2})
    assert verdict.as_dict() == {
        "classes": {
            "critical": {"plan": PLANS["critical"].as_dict(), "count": 0, "result": "pass", "at_limit": True, "remaining": 0},
            "major": {"plan": PLANS["major"].as_dict(), "count": 6, "result": "fail", "at_limit": False, "remaining": -1},
            "minor": {"plan": PLANS["minor"].as_dict(), "count": 2, "result": "pass", "at_limit": False, "remaining": 5},
        },
        "overall": "fail",
        "sample_size_to_inspect": 125,
    }


@pytest.mark.parametrize(
    "plans,counts,field",
    [
        ({}, {}, "plans"),
        ({"major": "2.5"}, {}, "plans"),
        (PLANS, {"cosmetic": 1}, "counts"),
        (PLANS, {"major": -1}, "counts"),
        (PLANS, {"major": 1.5}, "counts"),
        (PLANS, {"major": True}, "counts"),
        (PLANS, {"major": "2"}, "counts"),
    ],
)
def test_bad_inputs_name_the_field(plans, counts, field):
    with pytest.raises(AqlError) as caught:
        judge(plans, counts)
    assert caught.value.field == field


def test_a_plan_rebuilt_from_stored_data_is_checked():
    stored = Plan(code_letter="J", plan_letter="J", sample_size=80, accept=5, reject=6, full_inspection=False)
    assert stored.tables == "ISO 2859-1:1999"
    assert judge({"major": stored}, {"major": 6}).overall == "fail"
    with pytest.raises(AqlError) as caught:
        Plan(code_letter="J", plan_letter="J", sample_size=80, accept=5, reject=5, full_inspection=False)
    assert caught.value.field == "plan"
    with pytest.raises(AqlError):
        Plan(code_letter="J", plan_letter="J", sample_size=0, accept=0, reject=1, full_inspection=False)


# --- count_by_class -------------------------------------------------------------------------

DEFECTS = [
    ("major", 3),
    ("major", 3),  # a second major defect on unit 3
    ("major", 7),
    ("minor", 3),  # unit 3 also has a minor defect
    ("minor", None),  # unit number not recorded
    ("minor", None),
    ("critical", 12),
]


def test_nonconformities_count_every_defect():
    assert count_by_class(DEFECTS) == {"critical": 1, "major": 3, "minor": 3}
    assert count_by_class(DEFECTS, basis="nonconformities") == count_by_class(DEFECTS)


def test_defectives_count_units_by_their_worst_class():
    # major: units 3 and 7 (unit 3's minor defect does not make it a minor defective too);
    # minor: two defects without unit numbers, each counted as a unit of its own;
    # critical: unit 12.
    assert count_by_class(DEFECTS, basis="defectives") == {"critical": 1, "major": 2, "minor": 2}
    assert count_by_class([("minor", 1), ("critical", 1), ("major", 1)], basis="defectives") == {
        "critical": 1, "major": 0, "minor": 0}


def test_counts_always_include_the_three_classes():
    assert count_by_class([]) == {"critical": 0, "major": 0, "minor": 0}
    assert count_by_class([("packaging", 1), ("packaging", 1)], basis="defectives") == {
        "critical": 0, "major": 0, "minor": 0, "packaging": 1,
    }


def test_counts_feed_judge():
    counts = count_by_class(DEFECTS, basis="defectives")
    assert judge(PLANS, counts).overall == "fail"  # one critical defective against Ac 0


def test_bad_basis():
    with pytest.raises(AqlError) as caught:
        count_by_class(DEFECTS, basis="units")
    assert caught.value.field == "basis"
