"""AQL engine: ISO 2859-1:1999 single sampling plans, verdicts and switching rules.

Pure Python on purpose (no Flask, no database): the server, the tests and the
demo seeder all call it, and the browser app ports the arrow logic from the
same JSON tables (see README.md in this directory).
"""

from .plans import (
    AQL_COLUMNS,
    INSPECTION_STATES,
    LEVELS,
    TABLES_LABEL,
    ZERO_TOLERANCE_AQL,
    AqlError,
    Plan,
    TablePlan,
    code_letter_for,
    normalize_aql,
    one_step_tighter_aql,
    plan_for,
    table_plan,
    tables_document,
)
from .switching import LotRecord, SwitchingState, switching_history
from .verdict import COUNT_BASES, DEFECT_CLASSES, ClassResult, Verdict, count_by_class, judge

__all__ = [
    "AQL_COLUMNS",
    "COUNT_BASES",
    "DEFECT_CLASSES",
    "INSPECTION_STATES",
    "LEVELS",
    "TABLES_LABEL",
    "ZERO_TOLERANCE_AQL",
    "AqlError",
    "ClassResult",
    "LotRecord",
    "Plan",
    "SwitchingState",
    "TablePlan",
    "Verdict",
    "code_letter_for",
    "count_by_class",
    "judge",
    "normalize_aql",
    "one_step_tighter_aql",
    "plan_for",
    "switching_history",
    "table_plan",
    "tables_document",
]
