"""Properties of the ISO 2859-1 tables and engine, checked with hypothesis.

Runs are deterministic (derandomize=True, no example database), so a failure
here reproduces on every machine.
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from server.aql import (
    AQL_COLUMNS,
    INSPECTION_STATES,
    LEVELS,
    LotRecord,
    code_letter_for,
    judge,
    plan_for,
    switching_history,
    table_plan,
    tables_document,
)

DETERMINISTIC = settings(derandomize=True, database=None, max_examples=300, deadline=None)

DOC = tables_document()
NORMAL_SAMPLE_SIZE = {letter: row["sample_size"] for letter, row in DOC["tables"]["normal"]["rows"].items()}
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}  # S-1 < S-2 < S-3 < S-4 < I < II < III

lot_sizes = st.integers(min_value=1, max_value=2_000_000)
levels = st.sampled_from(LEVELS)
aqls = st.sampled_from(AQL_COLUMNS)
aqls_and_zero = st.sampled_from(("0",) + AQL_COLUMNS)
inspections = st.sampled_from(INSPECTION_STATES)
table_letters = st.sampled_from("ABCDEFGHJKLMNPQR")


@DETERMINISTIC
@given(lot_sizes, lot_sizes, levels)
def test_code_letter_sample_size_never_decreases_with_lot_size(a, b, level):
    small, large = sorted((a, b))
    assert NORMAL_SAMPLE_SIZE[code_letter_for(small, level)] <= NORMAL_SAMPLE_SIZE[code_letter_for(large, level)]


@DETERMINISTIC
@given(lot_sizes, levels, levels)
def test_code_letter_sample_size_never_decreases_with_a_stricter_level(lot_size, a, b):
    looser, stricter = sorted((a, b), key=LEVEL_RANK.get)
    assert NORMAL_SAMPLE_SIZE[code_letter_for(lot_size, looser)] <= NORMAL_SAMPLE_SIZE[code_letter_for(lot_size, stricter)]


@DETERMINISTIC
@given(lot_sizes, lot_sizes, levels, aqls_and_zero, inspections)
def test_plan_sample_size_never_decreases_with_lot_size(a, b, level, aql, inspection):
    # Also true after arrows and after capping the sample at the lot size.
    small, large = sorted((a, b))
    assert plan_for(small, level, aql, inspection).sample_size <= plan_for(large, level, aql, inspection).sample_size


@DETERMINISTIC
@given(lot_sizes, levels, levels, aqls_and_zero, inspections)
def test_plan_sample_size_never_decreases_with_a_stricter_level(lot_size, a, b, aql, inspection):
    looser, stricter = sorted((a, b), key=LEVEL_RANK.get)
    assert (
        plan_for(lot_size, looser, aql, inspection).sample_size
        <= plan_for(lot_size, stricter, aql, inspection).sample_size
    )


@DETERMINISTIC
@given(inspections, table_letters, aqls)
def test_every_arrow_resolves_to_the_nearest_plan_in_its_direction(inspection, letter, aql):
    rows = DOC["tables"][inspection]["rows"]
    letters = list(rows)
    start = letters.index(letter)
    cell = rows[letter]["cells"][aql]
    found = table_plan(letter, aql, inspection)
    if isinstance(cell, list):
        assert (found.plan_letter, [found.accept, found.reject]) == (letter, cell)
        return
    step = 1 if cell == "down" else -1
    nearest = next(
        position
        for position in range(start + step, len(letters) if step == 1 else -1, step)
        if isinstance(rows[letters[position]]["cells"][aql], list)
    )
    assert found.plan_letter == letters[nearest]
    assert found.sample_size == rows[letters[nearest]]["sample_size"]
    assert [found.accept, found.reject] == rows[letters[nearest]]["cells"][aql]
    # Every cell passed on the way is an arrow pointing the same way.
    assert all(rows[letters[p]]["cells"][aql] == cell for p in range(start, nearest, step))


def probability_of_acceptance(sample_size: int, accept: int, aql: str) -> float:
    """Pa at the AQL: binomial for percent nonconforming (AQL <= 10), Poisson above."""
    quality = float(aql) / 100
    if float(aql) <= 10:
        return sum(
            math.comb(sample_size, d) * quality**d * (1 - quality) ** (sample_size - d) for d in range(accept + 1)
        )
    mean = sample_size * quality
    return sum(math.exp(-mean) * mean**d / math.factorial(d) for d in range(accept + 1))


@DETERMINISTIC
@given(lot_sizes, levels, aqls)
def test_tightened_is_never_looser_than_normal(lot_size, level, aql):
    # Compared on the table plans (before any 100 % inspection cap). Two statements
    # that hold in every cell of ISO 2859-1:1999 and would catch an Ac typed too high:
    # (1) the fraction of the sample allowed to be nonconforming, Ac/n, is not larger;
    # (2) a lot exactly at the AQL is accepted no more often.
    # ("Tightened sample >= normal sample" is NOT always true: code letter A at AQL 10
    # is 0/1 on n 2 tightened against 1/2 on n 5 normal.)
    letter = code_letter_for(lot_size, level)
    normal = table_plan(letter, aql, "normal")
    tightened = table_plan(letter, aql, "tightened")
    assert tightened.accept * normal.sample_size <= normal.accept * tightened.sample_size
    assert probability_of_acceptance(tightened.sample_size, tightened.accept, aql) <= probability_of_acceptance(
        normal.sample_size, normal.accept, aql
    ) + 1e-12
    if tightened.sample_size == normal.sample_size:
        assert tightened.accept <= normal.accept


@DETERMINISTIC
@given(lot_sizes, levels, aqls_and_zero)
def test_reduced_never_samples_more_than_normal(lot_size, level, aql):
    assert plan_for(lot_size, level, aql, "reduced").sample_size <= plan_for(lot_size, level, aql, "normal").sample_size


@DETERMINISTIC
@given(lot_sizes, levels, aqls_and_zero, inspections)
def test_rejection_number_is_acceptance_number_plus_one(lot_size, level, aql, inspection):
    plan = plan_for(lot_size, level, aql, inspection)
    assert plan.reject == plan.accept + 1
    assert 1 <= plan.sample_size <= lot_size
    assert plan.full_inspection is (plan.sample_size == lot_size)


@DETERMINISTIC
@given(lot_sizes, levels, aqls_and_zero, inspections, st.integers(min_value=0, max_value=3000))
def test_verdict_follows_the_plan(lot_size, level, aql, inspection, count):
    plan = plan_for(lot_size, level, aql, inspection)
    result = judge({"major": plan}, {"major": count}).classes["major"]
    assert result.result == ("fail" if count >= plan.reject else "pass")
    assert result.remaining == plan.accept - count
    assert result.at_limit is (count == plan.accept)


lot_outcomes = st.lists(st.tuples(st.booleans(), st.integers(min_value=0, max_value=5)), max_size=60)


@DETERMINISTIC
@given(lot_outcomes, st.booleans(), inspections)
def test_switching_never_leaves_the_known_states_and_the_score_is_never_negative(outcomes, steady, start):
    lots = [LotRecord(f"PO {i}", 1000, "II", "2.5", count, ok) for i, (ok, count) in enumerate(outcomes)]
    result = switching_history(lots, steady_production=steady, start_state=start)
    assert result.state in ("normal", "tightened", "reduced", "discontinued")
    assert result.score >= 0
    assert all(entry["from"] != entry["to"] for entry in result.history)
    if not steady:
        assert result.state != "reduced"


@DETERMINISTIC
@given(st.lists(st.integers(min_value=0, max_value=3), max_size=60))
def test_accepted_lots_never_tighten_inspection(counts):
    lots = [LotRecord(f"PO {i}", 1000, "II", "2.5", count, True) for i, count in enumerate(counts)]
    result = switching_history(lots)
    assert result.state in ("normal", "reduced")
    # Each of these lots is within Ac 3 of the next tighter AQL, so each adds 3.
    assert result.state == ("reduced" if len(counts) >= 10 else "normal")
