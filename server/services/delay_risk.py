"""Delay risk of production orders: planned against actual for every milestone stage, a projected ship date,
and whether the order will miss its ex-factory date.

The projection carries the order's current slip forward: the latest stage reached was reached that many days
after its plan (a later stage caught up on time takes an earlier slip back), and the next stage, if its planned
day has passed unreached, is late by at least the days since. The remaining stages keep their planned durations,
so the projected ship date is the planned one plus that slip. An order projected past its ex-factory date is at
risk; the slipping stage is named with the delay reason recorded at it or at the latest stage before it that has
one (the reason codes of MilestoneEvent.delay_reason: a late fabric delivery is why sewing is late too).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from server.authz import factory_scope
from server.extensions import db
from server.models import MilestoneEvent, ProductionOrder, PurchaseOrderLine
from server.models.base import utcnow
from server.models.vocab import MILESTONE_STAGES, OPEN_PRODUCTION_ORDER_STATUSES

SORTS = ("days_late", "value")


@dataclass
class StageLine:
    stage: str
    planned: date | None
    actual: date | None  # the first event of the stage
    days_late: int | None  # actual (or today, when its planned day passed unreached) minus planned
    reason: str | None  # the delay reason recorded on the stage's events, if any


@dataclass
class Outlook:
    production_order_id: uuid.UUID
    number: str
    factory_id: uuid.UUID
    ex_factory_date: date | None
    projected_ship_date: date | None
    days_late: int  # projected ship date past the ex-factory date (0: on time)
    at_risk: bool
    slipping_stage: str | None
    reason: str | None
    value: Decimal | None
    currency: str | None
    stages: list[StageLine] = field(default_factory=list)


def outlook(order: ProductionOrder, events: list[MilestoneEvent], line: PurchaseOrderLine | None,
            today: date) -> Outlook:
    """One order's timeline and projection, from its events (any order) and its PO line (value, ex-factory)."""
    plan = {stage: date.fromisoformat(day) for stage, day in (order.stage_plan or {}).items()}
    first: dict[str, date] = {}
    reasons: dict[str, str] = {}
    for event in sorted(events, key=lambda e: (e.occurred_on, str(e.id))):
        first.setdefault(event.stage, event.occurred_on)
        if event.delay_reason:
            reasons.setdefault(event.stage, event.delay_reason)
    last_reached = max((n for n, stage in enumerate(MILESTONE_STAGES) if stage in first), default=-1)
    stages = []
    for n, stage in enumerate(MILESTONE_STAGES):
        planned, actual = plan.get(stage), first.get(stage)
        late = None
        if planned is not None and actual is not None:
            late = (actual - planned).days
        elif planned is not None and planned < today and n > last_reached:
            late = (today - planned).days  # due and not reached: late by the days since, at least
        stages.append(StageLine(stage, planned, actual, late, reasons.get(stage)))
    latest = stages[last_reached] if last_reached >= 0 else None
    # The next stage due after the latest reached (one skipped before it is not waited for).
    due = next((s for s in stages[last_reached + 1:] if s.days_late is not None), None)
    candidates = [s for s in (latest, due) if s is not None and (s.days_late or 0) > 0]
    worst = max(candidates, key=lambda s: s.days_late, default=None)
    slip = worst.days_late if worst else 0
    reason = None
    if worst is not None:
        upto = MILESTONE_STAGES.index(worst.stage)
        reason = next((s.reason for s in reversed(stages[:upto + 1]) if s.reason), None)
    ex_factory = order.ex_factory_date or (line.ex_factory_date if line else None)
    shipped = first.get("shipped")
    planned_ship = plan.get("shipped") or ex_factory
    projected = shipped or (planned_ship + timedelta(days=slip) if planned_ship else None)
    days_late = max(0, (projected - ex_factory).days) if projected and ex_factory else 0
    value = line.unit_price * order.quantity if line is not None else None
    return Outlook(order.id, order.number, order.factory_id, ex_factory, projected, days_late, days_late > 0,
                   worst.stage if worst and days_late else None, reason if days_late else None,
                   value, line.currency if line else None, stages)


def order_outlook(order: ProductionOrder) -> Outlook:
    events = db.session.scalars(select(MilestoneEvent).where(
        MilestoneEvent.production_order_id == order.id, MilestoneEvent.deleted_at.is_(None))).all()
    line = db.session.get(PurchaseOrderLine, order.purchase_order_line_id) if order.purchase_order_line_id else None
    return outlook(order, list(events), line, utcnow().date())


def at_risk(user, query: dict) -> dict:
    """The open orders projected to miss their ex-factory date, sorted by days late or value (largest first),
    with the share of each delay reason among the late stages across the orders looked at."""
    stmt = select(ProductionOrder).where(ProductionOrder.status.in_(OPEN_PRODUCTION_ORDER_STATUSES),
                                         ProductionOrder.deleted_at.is_(None))
    scope = factory_scope(user)
    if scope is not None:
        stmt = stmt.where(ProductionOrder.factory_id.in_(scope))
    if query.get("factory_id") is not None:
        stmt = stmt.where(ProductionOrder.factory_id == query["factory_id"])
    orders = db.session.scalars(stmt).all()
    ids = [o.id for o in orders]
    events: dict[uuid.UUID, list[MilestoneEvent]] = {i: [] for i in ids}
    lines: dict[uuid.UUID, PurchaseOrderLine] = {}
    for chunk in _chunks(ids, 500):
        for event in db.session.scalars(select(MilestoneEvent).where(
                MilestoneEvent.production_order_id.in_(chunk), MilestoneEvent.deleted_at.is_(None))):
            events[event.production_order_id].append(event)
    line_ids = [o.purchase_order_line_id for o in orders if o.purchase_order_line_id]
    for chunk in _chunks(line_ids, 500):
        lines.update({line.id: line for line in db.session.scalars(
            select(PurchaseOrderLine).where(PurchaseOrderLine.id.in_(chunk)))})
    today = utcnow().date()
    outlooks = [outlook(o, events[o.id], lines.get(o.purchase_order_line_id), today) for o in orders]
    reasons = Counter(stage.reason or "unexplained" for o in outlooks for stage in o.stages
                      if stage.days_late and stage.days_late > 0)
    risky = [o for o in outlooks if o.at_risk]
    if query.get("sort", "days_late") == "value":
        risky.sort(key=lambda o: (o.value or Decimal(0), o.days_late), reverse=True)
    else:
        risky.sort(key=lambda o: (o.days_late, o.value or Decimal(0)), reverse=True)
    return {"orders_looked_at": len(outlooks), "at_risk": risky, "reason_shares": _shares(reasons)}


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- punctuality of milestones, per factory ---------------------------------------------------------


def punctuality(user, factory_id: uuid.UUID | None = None, date_from: date | None = None,
                date_to: date | None = None) -> dict:
    """Per factory: of the milestone stages planned (stage_plan) in the window and reached, how many were reached
    on or before their planned day; and the delays by reason (the reason codes recorded on late stages' events).

    Computed from each order's first event per stage (a stage counts once, as the first time it was reached).
    """
    stmt = select(ProductionOrder.id, ProductionOrder.factory_id, ProductionOrder.stage_plan).where(
        ProductionOrder.deleted_at.is_(None), ProductionOrder.status != "cancelled")
    scope = factory_scope(user)
    if scope is not None:
        stmt = stmt.where(ProductionOrder.factory_id.in_(scope))
    if factory_id is not None:
        stmt = stmt.where(ProductionOrder.factory_id == factory_id)
    orders = db.session.execute(stmt).all()
    reached: dict[tuple, date] = {}
    reasons: dict[tuple, str] = {}
    for chunk in _chunks([o.id for o in orders], 500):
        for row in db.session.execute(
                select(MilestoneEvent.production_order_id, MilestoneEvent.stage,
                       func.min(MilestoneEvent.occurred_on), func.max(MilestoneEvent.delay_reason))
                .where(MilestoneEvent.production_order_id.in_(chunk), MilestoneEvent.deleted_at.is_(None))
                .group_by(MilestoneEvent.production_order_id, MilestoneEvent.stage)):
            reached[(row[0], row[1])] = row[2]
            if row[3]:
                reasons[(row[0], row[1])] = row[3]
    per_factory: dict[uuid.UUID, dict] = {}
    for order in orders:
        figures = per_factory.setdefault(order.factory_id, {"due": 0, "on_time": 0, "reasons": Counter()})
        for stage, day in (order.stage_plan or {}).items():
            planned = date.fromisoformat(day)
            actual = reached.get((order.id, stage))
            if actual is None or (date_from and planned < date_from) or (date_to and planned > date_to):
                continue
            figures["due"] += 1
            if actual <= planned:
                figures["on_time"] += 1
            else:
                figures["reasons"][reasons.get((order.id, stage), "unexplained")] += 1
    overall = Counter()
    factories = []
    for factory, figures in sorted(per_factory.items(), key=lambda item: str(item[0])):
        overall.update(figures["reasons"])
        factories.append({"factory_id": factory, "stages": figures["due"], "on_time": figures["on_time"],
                          "late": figures["due"] - figures["on_time"],
                          "on_time_rate": figures["on_time"] / figures["due"] if figures["due"] else None,
                          "delay_reasons": _shares(figures["reasons"])})
    return {"factories": factories, "delay_reasons": _shares(overall)}


def _shares(counts: Counter) -> list[dict]:
    total = sum(counts.values())
    return [{"reason": reason, "late_stages": n, "share": n / total} for reason, n in counts.most_common()]
