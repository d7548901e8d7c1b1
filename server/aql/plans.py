"""Single sampling plans from ISO 2859-1:1999 (Table 1 and Tables 2-A, 2-B, 2-C).

The tables live in ``iso2859_1.json`` next to this file; that file is the one
source of truth, read once and shared with the browser app through the API.
This module only interprets it:

1. Table 1 turns a lot size and an inspection level into a sample size code letter.
2. The master table for the inspection state in use (2-A normal, 2-B tightened,
   2-C reduced) gives, for that letter and the AQL column, either a plan
   (Ac, Re) or an arrow. An arrow sends us to the first plan below or above it
   in the same column, and that plan's letter and sample size are the ones used.
3. When the sample size reaches the lot size, the whole lot is inspected.

AQL "0" (zero tolerance, usual for critical defects) is not in the standard;
it is the industry convention Ac 0 / Re 1 at the code letter's sample size.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

TABLES_LABEL = "ISO 2859-1:1999"
TABLES_FILE = Path(__file__).with_name("iso2859_1.json")

LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
INSPECTION_STATES = ("normal", "tightened", "reduced")
# The AQL column headings exactly as printed in Tables 2-A/2-B/2-C; these labels
# are also the canonical form returned by normalize_aql.
AQL_COLUMNS = (
    "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40", "0.65",
    "1.0", "1.5", "2.5", "4.0", "6.5", "10", "15", "25", "40", "65",
    "100", "150", "250", "400", "650", "1000",
)
ZERO_TOLERANCE_AQL = "0"

DOWN = "down"
UP = "up"


class AqlError(ValueError):
    """A bad input to the AQL engine; ``field`` names the offending parameter."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class TablePlan:
    """A plan read from a master table after following arrows (no lot size involved)."""

    plan_letter: str
    sample_size: int
    accept: int
    reject: int


@dataclass(frozen=True)
class Plan:
    """The plan to use for one lot: what to sample and the acceptance limits."""

    code_letter: str
    plan_letter: str
    sample_size: int
    accept: int
    reject: int
    full_inspection: bool
    tables: str = TABLES_LABEL
    aql: str | None = None
    inspection: str = "normal"

    def __post_init__(self):
        # Verdicts rely on these; a Plan rebuilt from stored data must still make sense.
        if isinstance(self.sample_size, bool) or not isinstance(self.sample_size, int) or self.sample_size < 1:
            raise AqlError("plan", f"sample size must be a whole number of at least 1, got {self.sample_size!r}")
        if not (isinstance(self.accept, int) and isinstance(self.reject, int)) or not 0 <= self.accept < self.reject:
            raise AqlError("plan", f"need 0 <= Ac < Re, got Ac {self.accept!r} and Re {self.reject!r}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "code_letter": self.code_letter,
            "plan_letter": self.plan_letter,
            "sample_size": self.sample_size,
            "accept": self.accept,
            "reject": self.reject,
            "full_inspection": self.full_inspection,
            "tables": self.tables,
        }


# --- the tables document -------------------------------------------------------------


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    """Parse the JSON once. Callers inside this package must not mutate the result."""
    with TABLES_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


def tables_document() -> dict[str, Any]:
    """The complete versioned tables, as served to clients (a private copy each call)."""
    return copy.deepcopy(_document())


# --- input normalisation -------------------------------------------------------------

# Decimal value of each column -> its printed label, so "4", "4.0", 4 and 4.0 all match.
_AQL_BY_VALUE = {Decimal(label): label for label in AQL_COLUMNS}


def normalize_aql(value: Any) -> str:
    """Return the canonical AQL label ("0.010" ... "1.0", "2.5", "4.0", "10", ...) or "0".

    Accepts the label as printed, any numerically equal spelling ("4", "4.00"),
    ints, floats and Decimals. Anything that is not one of the 26 AQL columns of
    ISO 2859-1 Tables 2 (or 0, for zero tolerance) raises AqlError(field="aql").
    """
    if isinstance(value, bool) or value is None:
        raise AqlError("aql", f"AQL must be a number such as 2.5, got {value!r}")
    if isinstance(value, float):
        # repr gives the shortest decimal that round-trips, so 0.1 stays 0.1 and not 0.1000000000000000055...
        text = repr(value)
    elif isinstance(value, (int, Decimal)):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise AqlError("aql", f"AQL must be a number such as 2.5, got {value!r}")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise AqlError("aql", f"AQL must be a number such as 2.5, got {value!r}") from None
    if not number.is_finite():
        raise AqlError("aql", f"AQL must be a finite number, got {value!r}")
    if number == 0:
        return ZERO_TOLERANCE_AQL
    label = _AQL_BY_VALUE.get(number)
    if label is None:
        raise AqlError(
            "aql",
            f"{value!r} is not an AQL of ISO 2859-1 Tables 2; use 0 (zero tolerance) or one of "
            + ", ".join(AQL_COLUMNS),
        )
    return label


def _check_lot_size(lot_size: Any) -> int:
    if isinstance(lot_size, bool) or not isinstance(lot_size, int):
        raise AqlError("lot_size", f"lot size must be a whole number of items, got {lot_size!r}")
    if lot_size < 1:
        raise AqlError("lot_size", f"lot size must be at least 1, got {lot_size}")
    return lot_size


def _check_level(level: Any) -> str:
    cleaned = level.strip().upper() if isinstance(level, str) else None
    if cleaned not in LEVELS:
        raise AqlError("level", f"inspection level must be one of {', '.join(LEVELS)}, got {level!r}")
    return cleaned


def _check_inspection(inspection: Any) -> str:
    cleaned = inspection.strip().lower() if isinstance(inspection, str) else None
    if cleaned not in INSPECTION_STATES:
        raise AqlError(
            "inspection", f"inspection must be one of {', '.join(INSPECTION_STATES)}, got {inspection!r}"
        )
    return cleaned


# --- Table 1 ---------------------------------------------------------------------------


def code_letter_for(lot_size: int, level: str) -> str:
    """Table 1: the sample size code letter for a lot size and inspection level."""
    lot_size = _check_lot_size(lot_size)
    level = _check_level(level)
    ranges = _document()["table_1"]["lot_size_ranges"]
    for row in ranges:
        if row["max"] is None or lot_size <= row["max"]:
            # Table 1 starts at 2; a one-item lot falls into the first row and is
            # then inspected completely because every sample size is at least 2.
            return row["letters"][level]
    raise RuntimeError(f"{TABLES_FILE.name}: Table 1 must end with an open-ended row")


# --- Tables 2-A, 2-B, 2-C ------------------------------------------------------------------


def _table(inspection: str) -> dict[str, Any]:
    return _document()["tables"][inspection]


def table_plan(code_letter: str, aql: Any, inspection: str = "normal") -> TablePlan:
    """The plan for a code letter and AQL column in one master table, arrows followed.

    The footnote to Tables 2 says an arrow means "use the first sampling plan below
    (or above) the arrow". We keep moving in the arrow's direction, stepping over further
    arrow cells, until a cell holds a plan; that row's letter and sample size
    replace the code letter's.
    """
    inspection = _check_inspection(inspection)
    aql = normalize_aql(aql)
    table = _table(inspection)
    rows = table["rows"]
    if code_letter not in rows:
        raise AqlError("code_letter", f"no row {code_letter!r} in Table {table['table']}")
    if aql == ZERO_TOLERANCE_AQL:
        return TablePlan(code_letter, rows[code_letter]["sample_size"], 0, 1)

    order = [letter for letter in _document()["letter_order"] if letter in rows]
    position = order.index(code_letter)
    cell = rows[code_letter]["cells"][aql]
    if cell is None:
        raise AqlError("code_letter", f"Table {table['table']} has no plan for {code_letter} at AQL {aql}")
    if cell in (DOWN, UP):
        step = 1 if cell == DOWN else -1
        while cell in (DOWN, UP):
            position += step
            if not 0 <= position < len(order):
                raise RuntimeError(f"{TABLES_FILE.name}: arrow at {code_letter}/{aql} in Table {table['table']} "
                                   "leads off the table")
            cell = rows[order[position]]["cells"][aql]
        if cell is None:
            raise RuntimeError(f"{TABLES_FILE.name}: arrow at {code_letter}/{aql} in Table {table['table']} ends on a blank cell")
    accept, reject = cell
    plan_letter = order[position]
    return TablePlan(plan_letter, rows[plan_letter]["sample_size"], accept, reject)


def plan_for(lot_size: int, level: str, aql: Any, inspection: str = "normal") -> Plan:
    """The single sampling plan for a lot: code letter, sample size, Ac and Re.

    lot_size: items in the lot (int >= 1); level: one of LEVELS; aql: an AQL
    column (see normalize_aql) or 0; inspection: "normal", "tightened" or "reduced".
    """
    if type(lot_size) is int and type(level) is str and type(aql) is str and type(inspection) is str:
        # As stored on an inspection: a push of 2,000 inspections asks for a handful of distinct plans.
        return _kept_plan(lot_size, level, aql, inspection)
    return _plan(lot_size, level, aql, inspection)


def _plan(lot_size: Any, level: Any, aql: Any, inspection: Any) -> Plan:
    lot_size = _check_lot_size(lot_size)
    level = _check_level(level)
    aql = normalize_aql(aql)
    inspection = _check_inspection(inspection)

    code_letter = code_letter_for(lot_size, level)
    found = table_plan(code_letter, aql, inspection)
    # Footnote to Tables 2: if the sample size equals or exceeds the lot size, inspect 100 %.
    full_inspection = found.sample_size >= lot_size
    return Plan(
        code_letter=code_letter,
        plan_letter=found.plan_letter,
        sample_size=lot_size if full_inspection else found.sample_size,
        accept=found.accept,
        reject=found.reject,
        full_inspection=full_inspection,
        aql=aql,
        inspection=inspection,
    )


_kept_plan = lru_cache(maxsize=4096)(_plan)


def one_step_tighter_aql(aql: str) -> str | None:
    """The next smaller AQL column (for the switching score); None for 0.010 and for 0."""
    aql = normalize_aql(aql)
    if aql == ZERO_TOLERANCE_AQL:
        return None
    index = AQL_COLUMNS.index(aql)
    return AQL_COLUMNS[index - 1] if index > 0 else None
