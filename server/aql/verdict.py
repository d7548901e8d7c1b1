"""Verdicts: compare what was found in the sample with each class's plan.

An inspection usually runs one plan per defect class (critical, major, minor),
each with its own AQL. A class fails when its count reaches the rejection
number Re; the lot passes only if every class passes. The sample to draw is
the largest sample any class needs (the smaller plans use the first units of it).

What is counted is the caller's choice, made once per inspection:
- "nonconformities": every defect counts (ISO 2859-1 "nonconformities per 100 items");
- "defectives": each sample unit with at least one defect of the class counts once
  (ISO 2859-1 "percent nonconforming").
count_by_class builds either from the recorded defects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .plans import AqlError, Plan

DEFECT_CLASSES = ("critical", "major", "minor")
COUNT_BASES = ("nonconformities", "defectives")

PASS = "pass"
FAIL = "fail"


@dataclass(frozen=True)
class ClassResult:
    plan: Plan
    count: int
    result: str  # "pass" | "fail"
    at_limit: bool  # count == Ac: one more and the class fails
    remaining: int  # Ac - count; negative once the class has failed

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan.as_dict(),
            "count": self.count,
            "result": self.result,
            "at_limit": self.at_limit,
            "remaining": self.remaining,
        }


@dataclass(frozen=True)
class Verdict:
    classes: dict[str, ClassResult]
    overall: str  # "pass" | "fail"
    sample_size_to_inspect: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "classes": {name: result.as_dict() for name, result in self.classes.items()},
            "overall": self.overall,
            "sample_size_to_inspect": self.sample_size_to_inspect,
        }


def _check_count(name: str, count: Any) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise AqlError("counts", f"count for {name!r} must be a whole number of at least 0, got {count!r}")
    return count


def judge_class(plan: Plan, count: int) -> ClassResult:
    """One class: accept up to Ac, fail when the count reaches Re (ISO 2859-1, determination of acceptability)."""
    failed = count >= plan.reject
    return ClassResult(
        plan=plan,
        count=count,
        result=FAIL if failed else PASS,
        at_limit=count == plan.accept,
        remaining=plan.accept - count,
    )


def judge(plans: Mapping[str, Plan], counts: Mapping[str, int]) -> Verdict:
    """Judge a lot. ``plans`` maps class name -> Plan; ``counts`` maps class name -> count.

    A class with a plan but no entry in ``counts`` had nothing recorded, so its
    count is 0. A count for a class without a plan is an error: it would
    otherwise be silently ignored.
    """
    if not plans:
        raise AqlError("plans", "at least one defect class needs a plan")
    for name, plan in plans.items():
        if not isinstance(plan, Plan):
            raise AqlError("plans", f"plan for {name!r} must be a Plan, got {type(plan).__name__}")
    unplanned = [name for name in counts if name not in plans]
    if unplanned:
        raise AqlError("counts", f"no plan for class {', '.join(repr(n) for n in unplanned)}")

    classes = {name: judge_class(plan, _check_count(name, counts.get(name, 0))) for name, plan in plans.items()}
    overall = FAIL if any(result.result == FAIL for result in classes.values()) else PASS
    return Verdict(
        classes=classes,
        overall=overall,
        sample_size_to_inspect=max(plan.sample_size for plan in plans.values()),
    )


def _rank(severity: str) -> int:
    """Lower is more serious; unknown classes rank after the three standard ones."""
    return DEFECT_CLASSES.index(severity) if severity in DEFECT_CLASSES else len(DEFECT_CLASSES)


def count_by_class(
    defects: Iterable[tuple[str, int | None]], basis: str = "nonconformities"
) -> dict[str, int]:
    """Counts per class from recorded defects, each a (severity, sample unit number or None).

    basis "nonconformities": every defect counts.
    basis "defectives": nonconforming units, each classified by its most serious
    nonconformity, as ISO 2859-1 classifies nonconforming items (a class B item
    has class B and possibly class C nonconformities, but none of class A). So a
    unit with a critical and two major defects is one critical defective. A
    defect whose unit number was not recorded cannot be matched with others, so
    it counts as a unit of its own (this can only over-count, never hide one).

    The result always has critical, major and minor (0 when nothing was found),
    plus any other severity that appears.
    """
    if basis not in COUNT_BASES:
        raise AqlError("basis", f"basis must be one of {', '.join(COUNT_BASES)}, got {basis!r}")
    counts = {name: 0 for name in DEFECT_CLASSES}
    worst_by_unit: dict[int, str] = {}
    for severity, unit in defects:
        counts.setdefault(severity, 0)
        if basis == "nonconformities" or unit is None:
            counts[severity] += 1
        elif unit not in worst_by_unit or _rank(severity) < _rank(worst_by_unit[unit]):
            worst_by_unit[unit] = severity
    for severity in worst_by_unit.values():
        counts[severity] += 1
    return counts
