"""The ISO 2859-1:1999 tables and plan lookup.

Every cell of server/aql/iso2859_1.json is compared with the independent hand
transcription in tests/fixtures/aql_independent.py, and every (code letter,
AQL) lookup is checked against arrows followed in that transcription.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from fixtures import aql_independent as independent

from server.aql import (
    AQL_COLUMNS,
    INSPECTION_STATES,
    LEVELS,
    AqlError,
    code_letter_for,
    normalize_aql,
    plan_for,
    table_plan,
    tables_document,
)

DOC = tables_document()
TABLE_1_LETTERS = "ABCDEFGHJKLMNPQR"  # the letters Table 1 can produce (S is reached only by arrows)


# --- the document ---------------------------------------------------------------------


def test_engine_is_pure_python():
    # The browser-facing API and the seeder import it; it must not drag in the web stack.
    probe = (
        "import sys, server.aql; "
        "loaded = sorted(m for m in ('flask', 'sqlalchemy', 'flask_sqlalchemy') if m in sys.modules); "
        "assert not loaded, loaded"
    )
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr


def test_document_is_versioned_and_cites_each_table():
    assert DOC["version"] == "iso2859-1:1999/1"
    sources = DOC["sources"]
    assert "ISO 2859-1:1999" in sources["table_1"] and "Table 1" in sources["table_1"]
    assert "Table 2-A" in sources["table_2a"] and "normal" in sources["table_2a"]
    assert "Table 2-B" in sources["table_2b"] and "tightened" in sources["table_2b"]
    assert "Table 2-C" in sources["table_2c"] and "reduced" in sources["table_2c"]
    assert tuple(DOC["levels"]) == LEVELS
    assert tuple(DOC["aql_columns"]) == AQL_COLUMNS == tuple(independent.AQL_HEADINGS)
    assert {name: table["table"] for name, table in DOC["tables"].items()} == {
        "normal": "2-A", "tightened": "2-B", "reduced": "2-C",
    }


def test_tables_document_hands_out_a_private_copy():
    mine = tables_document()
    mine["tables"]["normal"]["rows"]["J"]["cells"]["2.5"] = "down"
    mine["version"] = "changed"
    again = tables_document()
    assert again["tables"]["normal"]["rows"]["J"]["cells"]["2.5"] == [5, 6]
    assert again["version"] == "iso2859-1:1999/1"
    assert plan_for(1000, "II", "2.5").accept == 5


# --- Table 1 ------------------------------------------------------------------------------


def test_table_1_ranges_match_independent_transcription():
    ranges = DOC["table_1"]["lot_size_ranges"]
    assert [row["min"] for row in ranges] == list(independent.LOT_SIZE_LOWER_LIMITS)
    assert [row["max"] for row in ranges] == list(independent.LOT_SIZE_UPPER_LIMITS)


@pytest.mark.parametrize("level", LEVELS)
def test_table_1_letters_match_independent_transcription(level):
    letters = "".join(row["letters"][level] for row in DOC["table_1"]["lot_size_ranges"])
    assert letters == independent.CODE_LETTERS_BY_LEVEL[level]


@pytest.mark.parametrize("level", LEVELS)
def test_code_letter_at_every_range_boundary(level):
    for lower, upper in zip(independent.LOT_SIZE_LOWER_LIMITS, independent.LOT_SIZE_UPPER_LIMITS, strict=False):
        for lot_size in (lower, upper if upper is not None else 10**9):
            assert code_letter_for(lot_size, level) == independent.code_letter(lot_size, level), lot_size


def test_one_item_lot_uses_the_first_row():
    assert code_letter_for(1, "II") == "A"
    assert code_letter_for(1, "III") == "B"


def test_known_code_letter_anchor():
    assert code_letter_for(1000, "II") == "J"


# --- Tables 2-A, 2-B, 2-C cell by cell ----------------------------------------------------

ROWS = [(inspection, letter) for inspection, rows in independent.TABLES.items() for letter in rows]


def _as_fixture_cell(cell):
    if cell == "down":
        return ("down",)
    if cell == "up":
        return ("up",)
    if cell is None:
        return ("blank",)
    accept, reject = cell
    return ("plan", accept, reject)


def test_tables_have_the_same_rows_as_the_transcription():
    for inspection in INSPECTION_STATES:
        assert list(DOC["tables"][inspection]["rows"]) == list(independent.TABLES[inspection])


@pytest.mark.parametrize("inspection,letter", ROWS, ids=[f"{i}-{l}" for i, l in ROWS])
def test_row_matches_independent_transcription(inspection, letter):
    row = DOC["tables"][inspection]["rows"][letter]
    sample_size, cells = independent.TABLES[inspection][letter]
    assert row["sample_size"] == sample_size
    assert list(row["cells"]) == list(AQL_COLUMNS)
    for column, expected in zip(AQL_COLUMNS, cells, strict=False):
        assert _as_fixture_cell(row["cells"][column]) == expected, f"{inspection} {letter} {column}"


def test_rejection_number_is_acceptance_number_plus_one_in_every_plan_cell():
    # ISO 2859-1:1999 single sampling, including the reduced table (no gaps since 1999).
    for inspection, table in DOC["tables"].items():
        for letter, row in table["rows"].items():
            for column, cell in row["cells"].items():
                if isinstance(cell, list):
                    accept, reject = cell
                    assert reject == accept + 1, f"{inspection} {letter} {column}"


def _follow_in_transcription(inspection, letter, column_index):
    """Arrow following written against the fixture, independently of server.aql."""
    rows = independent.TABLES[inspection]
    letters = list(rows)
    position = letters.index(letter)
    cell = rows[letter][1][column_index]
    direction = {"down": 1, "up": -1}.get(cell[0], 0)
    while cell[0] in ("down", "up"):
        position += direction
        cell = rows[letters[position]][1][column_index]
    assert cell[0] == "plan"
    plan_letter = letters[position]
    return plan_letter, rows[plan_letter][0], cell[1], cell[2]


@pytest.mark.parametrize("inspection", INSPECTION_STATES)
def test_every_code_letter_and_aql_resolves_like_the_transcription(inspection):
    for letter in TABLE_1_LETTERS:
        for index, column in enumerate(AQL_COLUMNS):
            found = table_plan(letter, column, inspection)
            expected = _follow_in_transcription(inspection, letter, index)
            assert (found.plan_letter, found.sample_size, found.accept, found.reject) == expected, (
                f"{inspection} {letter} {column}"
            )


@pytest.mark.parametrize("inspection", INSPECTION_STATES)
def test_arrow_chains_keep_one_direction_and_end_on_a_plan(inspection):
    # "Use the first plan below/above the arrow" and "follow arrows repeatedly"
    # only agree if no chain reverses; check that the tables never ask for it.
    rows = DOC["tables"][inspection]["rows"]
    letters = list(rows)
    for column in AQL_COLUMNS:
        for start, letter in enumerate(letters):
            cell = rows[letter]["cells"][column]
            if cell not in ("down", "up"):
                continue
            step = 1 if cell == "down" else -1
            position = start + step
            while 0 <= position < len(letters) and rows[letters[position]]["cells"][column] == cell:
                position += step
            assert 0 <= position < len(letters), f"{inspection} {letter} {column} runs off the table"
            assert isinstance(rows[letters[position]]["cells"][column], list), f"{inspection} {letter} {column}"


def test_blank_cells_only_in_row_s_of_the_tightened_table():
    blanks = [
        (inspection, letter, column)
        for inspection, table in DOC["tables"].items()
        for letter, row in table["rows"].items()
        for column, cell in row["cells"].items()
        if cell is None
    ]
    assert {(inspection, letter) for inspection, letter, _ in blanks} == {("tightened", "S")}
    assert len(blanks) == len(AQL_COLUMNS) - 1
    assert DOC["tables"]["tightened"]["rows"]["S"] == {
        "sample_size": 3150,
        "cells": {column: ([1, 2] if column == "0.025" else None) for column in AQL_COLUMNS},
    }


# Resolved plans read off the printed tables by hand: (table, code letter, AQL) -> (letter, n, Ac, Re).
ANCHORS = [
    ("normal", "J", "2.5", ("J", 80, 5, 6)),
    ("normal", "J", "0.40", ("K", 125, 1, 2)),  # arrow down
    ("normal", "J", "0.25", ("H", 50, 0, 1)),  # arrow up
    ("normal", "A", "10", ("C", 5, 1, 2)),  # top row: down past B
    ("normal", "B", "6.5", ("A", 2, 0, 1)),
    ("normal", "R", "0.010", ("Q", 1250, 0, 1)),
    ("normal", "R", "0.015", ("P", 800, 0, 1)),  # bottom row: up past Q
    ("normal", "F", "100", ("E", 13, 21, 22)),
    ("normal", "C", "1000", ("B", 3, 44, 45)),
    ("normal", "A", "1000", ("A", 2, 30, 31)),
    ("tightened", "J", "2.5", ("J", 80, 3, 4)),
    ("tightened", "K", "1.0", ("K", 125, 2, 3)),
    ("tightened", "J", "0.40", ("L", 200, 1, 2)),  # two arrows down
    ("tightened", "Q", "0.025", ("S", 3150, 1, 2)),  # the extra row S
    ("tightened", "R", "0.015", ("Q", 1250, 0, 1)),
    ("tightened", "A", "10", ("A", 2, 0, 1)),  # ISO 1999; ANSI/ASQ Z1.4 gives D, 8, 1/2
    ("reduced", "K", "1.0", ("K", 50, 2, 3)),
    ("reduced", "M", "6.5", ("L", 80, 10, 11)),
    ("reduced", "C", "100", ("C", 2, 6, 7)),
    ("reduced", "B", "100", ("B", 2, 5, 6)),
    ("reduced", "R", "0.025", ("N", 200, 0, 1)),  # long arrow up over R, Q, P
    ("reduced", "A", "10", ("D", 3, 1, 2)),
]


@pytest.mark.parametrize("inspection,letter,aql,expected", ANCHORS)
def test_anchor_plans(inspection, letter, aql, expected):
    found = table_plan(letter, aql, inspection)
    assert (found.plan_letter, found.sample_size, found.accept, found.reject) == expected


def test_acceptance_two_or_more_always_has_a_plan_one_aql_step_tighter_in_the_same_row():
    # The switching score (ISO 2859-1 9.3.3.2) judges the same sample against the
    # next tighter AQL; this holds the table invariant switching.py relies on.
    rows = DOC["tables"]["normal"]["rows"]
    for letter, row in rows.items():
        for index, column in enumerate(AQL_COLUMNS):
            cell = row["cells"][column]
            if isinstance(cell, list) and cell[0] >= 2:
                assert isinstance(row["cells"][AQL_COLUMNS[index - 1]], list), f"{letter} {column}"


# --- plan_for ----------------------------------------------------------------------------


def test_contract_example():
    assert plan_for(1000, "II", "2.5", "normal").as_dict() == {
        "code_letter": "J",
        "plan_letter": "J",
        "sample_size": 80,
        "accept": 5,
        "reject": 6,
        "full_inspection": False,
        "tables": "ISO 2859-1:1999",
    }


def test_plan_keeps_canonical_aql_and_inspection():
    plan = plan_for(1000, "II", 4, "tightened")
    assert (plan.aql, plan.inspection) == ("4.0", "tightened")
    assert (plan.plan_letter, plan.sample_size, plan.accept, plan.reject) == ("J", 80, 5, 6)


def test_arrow_down_uses_the_plan_below_with_its_letter_and_sample_size():
    plan = plan_for(1000, "II", "0.40")
    assert (plan.code_letter, plan.plan_letter, plan.sample_size, plan.accept, plan.reject) == ("J", "K", 125, 1, 2)
    assert not plan.full_inspection


def test_arrow_up_uses_the_plan_above():
    plan = plan_for(1000, "II", "0.25")
    assert (plan.code_letter, plan.plan_letter, plan.sample_size, plan.accept, plan.reject) == ("J", "H", 50, 0, 1)


def test_arrow_to_a_sample_larger_than_the_lot_means_full_inspection():
    plan = plan_for(10, "II", "0.65")
    assert plan.as_dict() == {
        "code_letter": "B", "plan_letter": "F", "sample_size": 10, "accept": 0, "reject": 1,
        "full_inspection": True, "tables": "ISO 2859-1:1999",
    }


def test_sample_equal_to_lot_is_full_inspection():
    plan = plan_for(2, "II", "6.5")
    assert (plan.sample_size, plan.full_inspection, plan.accept) == (2, True, 0)
    assert not plan_for(3, "II", "6.5").full_inspection


def test_one_item_lot_is_inspected_completely():
    plan = plan_for(1, "II", "2.5")
    assert (plan.code_letter, plan.sample_size, plan.full_inspection) == ("A", 1, True)


def test_big_aql_small_lot():
    plan = plan_for(10, "II", "1000")
    assert (plan.code_letter, plan.plan_letter, plan.sample_size, plan.accept, plan.reject) == ("B", "B", 3, 44, 45)


@pytest.mark.parametrize(
    "inspection,sample_size", [("normal", 80), ("tightened", 80), ("reduced", 32)]
)
def test_aql_zero_is_zero_tolerance_at_the_code_letter(inspection, sample_size):
    plan = plan_for(1000, "II", "0", inspection)
    assert (plan.code_letter, plan.plan_letter, plan.sample_size, plan.accept, plan.reject) == (
        "J", "J", sample_size, 0, 1,
    )
    assert plan.aql == "0"


def test_aql_zero_on_a_small_lot_is_full_inspection():
    plan = plan_for(2, "II", 0)
    assert (plan.sample_size, plan.full_inspection, plan.accept, plan.reject) == (2, True, 0, 1)


def test_level_and_inspection_spelling_is_forgiving_about_case_and_spaces():
    assert plan_for(1000, " ii ", "2.5", " Normal ") == plan_for(1000, "II", "2.5", "normal")
    assert plan_for(1000, "s-3", "2.5").code_letter == "E"


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"lot_size": 0}, "lot_size"),
        ({"lot_size": -5}, "lot_size"),
        ({"lot_size": "1000"}, "lot_size"),
        ({"lot_size": 10.0}, "lot_size"),
        ({"lot_size": True}, "lot_size"),
        ({"lot_size": None}, "lot_size"),
        ({"level": "IV"}, "level"),
        ({"level": "G-2"}, "level"),
        ({"level": 2}, "level"),
        ({"aql": "3"}, "aql"),
        ({"aql": "2.5%"}, "aql"),
        ({"aql": -1}, "aql"),
        ({"aql": None}, "aql"),
        ({"inspection": "skip-lot"}, "inspection"),
        ({"inspection": None}, "inspection"),
    ],
)
def test_bad_parameters_name_the_field(kwargs, field):
    arguments = {"lot_size": 1000, "level": "II", "aql": "2.5", "inspection": "normal", **kwargs}
    with pytest.raises(AqlError) as caught:
        plan_for(**arguments)
    assert caught.value.field == field
    assert caught.value.message
    assert field in str(caught.value)


def test_bad_code_letter_in_table_plan():
    with pytest.raises(AqlError) as caught:
        table_plan("S", "2.5", "tightened")
    assert caught.value.field == "code_letter"
    with pytest.raises(AqlError):
        table_plan("S", "0.025", "normal")


# --- normalize_aql ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,canonical",
    [
        ("4", "4.0"), ("4.0", "4.0"), (4, "4.0"), (4.0, "4.0"), (" 4.00 ", "4.0"),
        ("2.5", "2.5"), (2.5, "2.5"), ("0.1", "0.10"), (0.1, "0.10"), (".65", "0.65"),
        ("0.01", "0.010"), (0.065, "0.065"), ("10.0", "10"), (1000, "1000"), ("1e3", "1000"),
        ("0", "0"), (0, "0"), ("0.0", "0"), (0.0, "0"),
    ],
)
def test_normalize_aql(value, canonical):
    assert normalize_aql(value) == canonical


def test_every_column_label_is_its_own_canonical_form():
    assert [normalize_aql(column) for column in AQL_COLUMNS] == list(AQL_COLUMNS)


@pytest.mark.parametrize("value", ["3", 3, "0.5", "nan", "inf", "-2.5", "", "abc", True, None, [2.5], "2,5"])
def test_normalize_aql_rejects_values_outside_the_table(value):
    with pytest.raises(AqlError) as caught:
        normalize_aql(value)
    assert caught.value.field == "aql"
