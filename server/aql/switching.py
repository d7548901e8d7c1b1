"""Switching rules of ISO 2859-1:1999 clause 9, for one defect class at one factory.

The caller passes the lots in the order their inspections were finalised,
original inspections only (re-inspections of resubmitted lots are left out,
as the standard counts "lots on original inspection"). Each lot carries what
is needed to replay the rules: its plan inputs, the count found, and whether
it was accepted. The state after the last lot is the proposal for the next
inspection.

Rules (ISO 2859-1:1999):
- 9.3.1 normal -> tightened: 2 lots not accepted within 5 or fewer consecutive
  lots on normal inspection.
- 9.3.2 tightened -> normal: 5 consecutive lots accepted on tightened inspection.
- 9.3.3 normal -> reduced: switching score at least 30, production steady, and
  reduced inspection approved by the responsible authority. ``steady_production``
  stands for both of the last two conditions.
- 9.3.3.2 switching score (single sampling): 0 at the start of normal inspection,
  then after each lot on normal inspection:
    Ac >= 2: add 3 if the lot would have been accepted with the AQL one step
             tighter, otherwise reset to 0;
    Ac 0 or 1: add 2 if the lot was accepted, otherwise reset to 0.
- 9.3.4 reduced -> normal: a lot not accepted, or production irregular.
- 9.4 discontinuation: 5 lots not accepted (in total, not necessarily in a row)
  while on tightened inspection. Inspection stays discontinued until the
  supplier has corrected the cause; the caller then resumes with
  start_state="tightened" and the lots inspected after resumption.

Each reason is given twice: as an English sentence (``reason``, for API and CSV readers) and as a code with its
parameters (``reason_code``, ``reason_params``, and ``reason_notes`` for the clauses added to it), from which an
app words it in its user's language. The codes are REASON_CODES and NOTE_CODES.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .plans import INSPECTION_STATES, AqlError, one_step_tighter_aql, plan_for, table_plan

NORMAL = "normal"
TIGHTENED = "tightened"
REDUCED = "reduced"
DISCONTINUED = "discontinued"

SCORE_FOR_REDUCED = 30
WINDOW_FOR_TIGHTENED = 5  # "2 out of 5 or fewer consecutive lots"
REJECTIONS_FOR_TIGHTENED = 2
ACCEPTED_IN_A_ROW_FOR_NORMAL = 5
REJECTIONS_FOR_DISCONTINUATION = 5

# Why a class is in its state (params in brackets): the state it started in [state]; tightened after rejections
# [lots, window]; reduced once the score was reached [score, needed, lot]; discontinued after rejections on
# tightened [lots, count]; back to normal after accepted lots on tightened [count, lots], after a rejection on
# reduced [lot], or from reduced once production is not steady [].
REASON_CODES = ("starting_state", "tightened_after_rejections", "reduced_after_score",
                "discontinued_after_rejections", "normal_after_tightened_accepted", "normal_after_reduced_rejection",
                "normal_without_steady_production")
# Clauses added to the reason: the score is reached but production is not steady [score, needed]; lots after a
# discontinuation were not evaluated [count].
NOTE_CODES = ("score_without_steady_production", "lots_not_evaluated")


@dataclass(frozen=True)
class LotRecord:
    """One lot on original inspection, for one defect class."""

    label: str  # how people name the lot, e.g. "PO 4411"
    lot_size: int
    level: str
    aql: str
    count: int  # nonconformities or defectives of this class found in the sample
    accepted: bool
    inspection_id: str | None = None
    when: str | None = None


@dataclass(frozen=True)
class SwitchingState:
    state: str  # "normal" | "tightened" | "reduced" | "discontinued"
    score: int  # switching score; only updated on normal inspection
    reason: str
    reason_code: str = "starting_state"
    reason_params: dict[str, Any] = field(default_factory=dict)
    reason_notes: list[dict[str, Any]] = field(default_factory=list)  # each {"code", "params"}
    history: list[dict[str, Any]] = field(default_factory=list)
    # Progress on tightened inspection (both 0 in other states), for display.
    tightened_accepted_in_a_row: int = 0
    tightened_not_accepted: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "score": self.score,
            "reason": self.reason,
            "reason_code": self.reason_code,
            "reason_params": dict(self.reason_params),
            "reason_notes": [dict(note) for note in self.reason_notes],
            "history": [dict(entry) for entry in self.history],
            "tightened_accepted_in_a_row": self.tightened_accepted_in_a_row,
            "tightened_not_accepted": self.tightened_not_accepted,
        }


def _join_labels(labels: list[str]) -> str:
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _check_lot(lot: Any) -> LotRecord:
    if not isinstance(lot, LotRecord):
        raise AqlError("lots", f"each lot must be a LotRecord, got {type(lot).__name__}")
    if isinstance(lot.count, bool) or not isinstance(lot.count, int) or lot.count < 0:
        raise AqlError("lots", f"{lot.label}: count must be a whole number of at least 0, got {lot.count!r}")
    if not isinstance(lot.accepted, bool):
        raise AqlError("lots", f"{lot.label}: accepted must be true or false, got {lot.accepted!r}")
    return lot


class _Replay:
    """Mutable bookkeeping while the lots are replayed; turned into a SwitchingState at the end."""

    def __init__(self, start_state: str, steady_production: bool):
        self.state = start_state
        self.steady_production = steady_production
        self.score = 0
        self.history: list[dict[str, Any]] = []
        self.normal_lots: list[LotRecord] = []  # lots since normal inspection (re)started
        self.tightened_streak: list[LotRecord] = []  # consecutive accepted lots on tightened
        self.tightened_rejected: list[LotRecord] = []  # all lots not accepted on tightened
        self.ignored_after_discontinuation = 0

    def switch(self, to: str, after: LotRecord | None, reason: str, code: str, params: dict[str, Any]) -> None:
        self.history.append({
            "from": self.state,
            "to": to,
            "after_lot": after.label if after else None,
            "inspection_id": after.inspection_id if after else None,
            "when": after.when if after else None,
            "reason": reason,
            "reason_code": code,
            "reason_params": params,
        })
        self.state = to
        # Each state counts only its own lots; the score restarts with normal inspection.
        self.normal_lots = []
        self.tightened_streak = []
        self.tightened_rejected = []
        if to == NORMAL:
            self.score = 0

    # --- one lot in each state ---

    def on_normal(self, lot: LotRecord) -> None:
        self.normal_lots.append(lot)
        self.score = self._updated_score(lot)

        recent = self.normal_lots[-WINDOW_FOR_TIGHTENED:]
        rejected = [earlier.label for earlier in recent if not earlier.accepted]
        if len(rejected) >= REJECTIONS_FOR_TIGHTENED:
            self.switch(
                TIGHTENED, lot,
                f"tightened since {_join_labels(rejected)} were rejected within {WINDOW_FOR_TIGHTENED} lots",
                "tightened_after_rejections", {"lots": rejected, "window": WINDOW_FOR_TIGHTENED},
            )
        elif self.score >= SCORE_FOR_REDUCED and self.steady_production:
            self.switch(
                REDUCED, lot,
                f"reduced: switching score reached {self.score} (30 needed) after {lot.label}, "
                "with production steady and reduced inspection approved",
                "reduced_after_score", {"score": self.score, "needed": SCORE_FOR_REDUCED, "lot": lot.label},
            )

    def _updated_score(self, lot: LotRecord) -> int:
        plan = plan_for(lot.lot_size, lot.level, lot.aql, NORMAL)
        if not lot.accepted:
            return 0
        if plan.accept >= 2:
            # "Would the lot have been accepted had the AQL been one step tighter?"
            # Judged on the same sample: the plan letter's row, one AQL column to the
            # left. With Ac >= 2 that cell is always a plan in Table 2-A (checked by tests).
            tighter = table_plan(plan.plan_letter, one_step_tighter_aql(plan.aql), NORMAL)
            if tighter.plan_letter != plan.plan_letter:
                raise RuntimeError(
                    f"Table 2-A has no plan one AQL step tighter than {plan.aql} for {plan.plan_letter}"
                )
            return self.score + 3 if lot.count <= tighter.accept else 0
        return self.score + 2

    def on_tightened(self, lot: LotRecord) -> None:
        if lot.accepted:
            self.tightened_streak.append(lot)
        else:
            self.tightened_streak = []
            self.tightened_rejected.append(lot)

        if len(self.tightened_rejected) >= REJECTIONS_FOR_DISCONTINUATION:
            rejected = [rejected.label for rejected in self.tightened_rejected]
            self.switch(
                DISCONTINUED, lot,
                f"discontinued: {_join_labels(rejected)} were rejected on tightened inspection "
                f"({REJECTIONS_FOR_DISCONTINUATION} lots); resume on tightened inspection "
                "once the supplier has corrected the cause",
                "discontinued_after_rejections", {"lots": rejected, "count": REJECTIONS_FOR_DISCONTINUATION},
            )
        elif len(self.tightened_streak) >= ACCEPTED_IN_A_ROW_FOR_NORMAL:
            accepted = [accepted.label for accepted in self.tightened_streak]
            self.switch(
                NORMAL, lot,
                f"normal: {ACCEPTED_IN_A_ROW_FOR_NORMAL} consecutive lots accepted on tightened ({', '.join(accepted)})",
                "normal_after_tightened_accepted", {"count": ACCEPTED_IN_A_ROW_FOR_NORMAL, "lots": accepted},
            )

    def on_reduced(self, lot: LotRecord) -> None:
        if not lot.accepted:
            self.switch(NORMAL, lot, f"normal: {lot.label} was rejected on reduced inspection",
                        "normal_after_reduced_rejection", {"lot": lot.label})

    # --- the result ---

    def result(self) -> SwitchingState:
        if self.history:
            last = self.history[-1]
            reason, code, params = last["reason"], last["reason_code"], dict(last["reason_params"])
        else:
            reason, code, params = f"{self.state}: starting state", "starting_state", {"state": self.state}
        notes = []
        if self.state == NORMAL and self.score >= SCORE_FOR_REDUCED and not self.steady_production:
            reason += (
                f"; the switching score is {self.score} (30 needed) but production is not marked "
                "steady, so reduced inspection is not proposed"
            )
            notes.append({"code": "score_without_steady_production",
                          "params": {"score": self.score, "needed": SCORE_FOR_REDUCED}})
        if self.ignored_after_discontinuation:
            reason += (
                f"; {self.ignored_after_discontinuation} later lot(s) were not evaluated because "
                "inspection is discontinued"
            )
            notes.append({"code": "lots_not_evaluated", "params": {"count": self.ignored_after_discontinuation}})
        in_tightened = self.state == TIGHTENED
        return SwitchingState(
            state=self.state,
            score=self.score,
            reason=reason,
            reason_code=code,
            reason_params=params,
            reason_notes=notes,
            history=self.history,
            tightened_accepted_in_a_row=len(self.tightened_streak) if in_tightened else 0,
            tightened_not_accepted=len(self.tightened_rejected) if in_tightened else 0,
        )


def switching_history(
    lots: Iterable[LotRecord], steady_production: bool = True, start_state: str = "normal"
) -> SwitchingState:
    """Replay the switching rules over ``lots`` (oldest first) and return the resulting state."""
    if start_state not in INSPECTION_STATES:
        raise AqlError("start_state", f"start state must be one of {', '.join(INSPECTION_STATES)}, got {start_state!r}")
    if not isinstance(steady_production, bool):
        raise AqlError("steady_production", f"steady_production must be true or false, got {steady_production!r}")

    replay = _Replay(start_state, steady_production)
    if replay.state == REDUCED and not steady_production:
        replay.switch(NORMAL, None, "normal: production is not steady, so reduced inspection ends",
                      "normal_without_steady_production", {})

    for lot in lots:
        lot = _check_lot(lot)
        if replay.state == DISCONTINUED:
            replay.ignored_after_discontinuation += 1
            continue
        # Validate the lot's plan inputs in every state, so bad data fails the same way everywhere.
        try:
            plan_for(lot.lot_size, lot.level, lot.aql, replay.state)
        except AqlError as error:
            raise AqlError(error.field, f"{lot.label}: {error.message}") from None
        if replay.state == NORMAL:
            replay.on_normal(lot)
        elif replay.state == TIGHTENED:
            replay.on_tightened(lot)
        else:
            replay.on_reduced(lot)
    return replay.result()
