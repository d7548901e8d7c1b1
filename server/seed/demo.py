"""The deterministic demo data set behind `flask --app server seed-demo`.

Fixed seed, fixed ids (uuid5 of a readable key), dates relative to the day
it runs. Everything is written in one recorded transaction, so a run either
lands whole or not at all, and a second run finds the data and adds nothing.

What it builds: the catalogue in server/seed/catalog.py (factories, styles
with tech packs and measurement specs, the defect library, checklists, AQL
defaults), one user per role, purchase and production orders with milestone
histories, six months of finalized final inspections judged by the AQL
engine with ISO 2859-1 switching applied lot by lot, and the coming weeks'
planned inspections.
"""

from __future__ import annotations

import math
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from server.aql import LotRecord, judge, plan_for, switching_history
from server.extensions import db
from server.models import (
    AqlDefault,
    ChecklistTemplate,
    DefectReview,
    DefectType,
    Factory,
    FactoryAssignment,
    Inspection,
    InspectionDefect,
    InspectionItem,
    MeasurementSpec,
    MilestoneEvent,
    ProductionOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    ReviewComment,
    Style,
    TechPackVersion,
    User,
)
from server.seed import catalog
from server.services import changes, rollups
from server.services.auth import hash_password

SEED = 20261123
NAMESPACE = uuid.UUID("5e2a1f0c-7d7b-4a53-9d57-2f1a6b3c9e01")
DEMO_PASSWORD = "seamline-demo"
HISTORY_DAYS = 182
STYLE_COUNT = 48
CLASSES = ("critical", "major", "minor")
# When each milestone stage is planned, in days before the ex-factory date: a production order's stage plan.
STAGE_DAYS_BEFORE_EX_FACTORY = (("fabric_received", 42), ("trims_received", 38), ("cut", 32), ("sewing", 24),
                                ("finishing", 10), ("inspection", 3), ("packed", 2), ("shipped", 0))
# The factory whose recent record puts it on tightened inspection.
STRUGGLING_FACTORY = "KH-PNH-01"
# Trends for the managers' dashboard: one factory getting better over the six months, one getting worse.
IMPROVING_FACTORY = "BD-DHK-02"
DECLINING_FACTORY = "CN-NGB-01"

DEMO_USERS = (
    # key, email, name, role, factory codes
    ("admin", "admin@seamline.example", "Alex Admin", "admin", ()),
    ("manager", "manager@seamline.example", "Morgan Quality-Manager", "manager", ()),
    ("designer", "designer@seamline.example", "Dana Designer", "designer", ()),
    ("inspector", "inspector@seamline.example", "Imran Hossain", "inspector", ("BD-GZP-01", "BD-DHK-02", "KH-PNH-01")),
    ("inspector2", "inspector2@seamline.example", "Linh Tran", "inspector", ("VN-BDG-01", "CN-NGB-01", "IN-TUP-01")),
    ("inspector3", "inspector3@seamline.example", "Elif Kaya", "inspector", ("TR-IZM-01", "PT-OPO-01")),
    ("factory", "factory@seamline.example", "Rahim Uddin (Padma Riverside)", "factory", ("BD-GZP-01",)),
)


def demo_id(*parts) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts))


@dataclass
class SeedReport:
    created: bool
    counts: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        lines = []
        if self.created:
            lines.append("Demo data created: " + ", ".join(f"{n} {k}" for k, n in sorted(self.counts.items())))
        else:
            lines.append("Demo data already present; nothing added.")
        # No address here: run-demo prints the one it really serves on (its --port), seed-demo serves nothing.
        lines.append(f"Log in with password '{DEMO_PASSWORD}' as:")
        for _key, email, name, role, factories in DEMO_USERS:
            where = f" ({', '.join(factories)})" if factories else ""
            lines.append(f"  {role:<10} {email:<30} {name}{where}")
        return "\n".join(lines)


def seed_demo(today: date | None = None) -> SeedReport:
    if db.session.get(User, demo_id("user", "admin")) is not None:
        return SeedReport(created=False)
    builder = _Builder(today or date.today())
    with changes.recording(None, "seed"):
        builder.build()
    return SeedReport(created=True, counts=builder.counts)


class _Builder:
    def __init__(self, today: date):
        self.today = today
        self.rng = random.Random(SEED)
        self.counts: Counter = Counter()
        self.factories: dict[str, Factory] = {}
        self.styles: list[tuple[Style, catalog.StyleTemplate, TechPackVersion]] = []
        self.defects_by_severity: dict[str, list[DefectType]] = defaultdict(list)
        self.users: dict[str, User] = {}
        self.inspector_for_factory: dict[str, User] = {}

    def add(self, record):
        db.session.add(record)
        self.counts[type(record).__tablename__] += 1
        return record

    def build(self) -> None:
        # Flush between phases: the unit of work orders inserts by relationship, and most
        # foreign keys here have none, so parents must reach the database first.
        for phase in (self._factories_and_users, self._catalogue, self._styles, self._orders_and_inspections,
                      self._corrective_actions, self._design_reviews):
            phase()
            db.session.flush()
        # The inspections were written finalized, not through finalize: build the figures' rollups from them.
        rollups.rebuild()

    # --- reference data -------------------------------------------------------------------

    def _factories_and_users(self) -> None:
        for f in catalog.FACTORIES:
            self.factories[f.code] = self.add(Factory(
                id=demo_id("factory", f.code), code=f.code, name=f.name, country=f.country, city=f.city,
                timezone=f.timezone, steady_production=f.steady_production, active=True))
        password_hash = hash_password(DEMO_PASSWORD)
        for key, email, name, role, factory_codes in DEMO_USERS:
            user = self.add(User(id=demo_id("user", key), email=email, display_name=name, role=role,
                                 password_hash=password_hash, active=True, locale="en"))
            self.users[key] = user
            for code in factory_codes:
                self.add(FactoryAssignment(id=demo_id("assignment", key, code), user_id=user.id,
                                           factory_id=self.factories[code].id))
                if role == "inspector":
                    self.inspector_for_factory[code] = user

    def _catalogue(self) -> None:
        for d in catalog.DEFECT_LIBRARY:
            defect = self.add(DefectType(id=demo_id("defect", d.code), code=d.code, name=d.name, category=d.category,
                                         default_severity=d.default_severity,
                                         names_translated=dict(d.names_translated), active=True))
            self.defects_by_severity[d.default_severity].append(defect)
        for category in catalog.PRODUCT_CATEGORIES:
            for inspection_type in catalog.INSPECTION_TYPES:
                items = list(catalog.CHECKLIST_TEMPLATES[inspection_type])
                items += list(catalog.CHECKLIST_CATEGORY_EXTRAS.get(inspection_type, {}).get(category.code, ()))
                self.add(ChecklistTemplate(
                    id=demo_id("checklist", category.code, inspection_type), product_category=category.code,
                    inspection_type=inspection_type, name=f"{inspection_type.replace('_', '-')} — {category.label}",
                    items=[{"code": i.code, "text": i.text} for i in items]))
                setting = catalog.AQL_DEFAULTS[category.code][inspection_type]
                self.add(AqlDefault(
                    id=demo_id("aql", category.code, inspection_type), product_category=category.code,
                    inspection_type=inspection_type, inspection_level=setting.inspection_level,
                    aql_critical=setting.critical, aql_major=setting.major, aql_minor=setting.minor))

    def _styles(self) -> None:
        categories = {c.code: c for c in catalog.PRODUCT_CATEGORIES}
        for seq, template in enumerate(catalog.STYLE_TEMPLATES[:STYLE_COUNT], start=catalog.STYLE_NUMBER_START):
            season = catalog.SEASONS[seq % 2]
            number = catalog.STYLE_NUMBER_FORMAT.format(yy=season.year % 100, seq=seq)
            style = self.add(Style(id=demo_id("style", number), style_number=number, name=template.name,
                                   season=season.code, category=template.category, description=template.fabric,
                                   active=True))
            db.session.flush()
            category = categories[template.category]
            issued = self.today - timedelta(days=HISTORY_DAYS + 60 - (seq % 30))
            versions = ["v1"] + (["v2"] if seq % 3 == 0 else [])
            latest = None
            for n, label in enumerate(versions):
                latest = self.add(TechPackVersion(
                    id=demo_id("techpack", number, label), style_id=style.id, version_label=label,
                    issued_on=issued + timedelta(days=45 * n), approved_by_id=self.users["designer"].id,
                    approved_at=issued + timedelta(days=45 * n + 3),
                    notes="Initial release" if n == 0 else "Sleeve length and care label corrected after PP comments"))
                db.session.flush()
                self._specs(style, template, category, latest, extra_ease=0.5 * n)
            self.styles.append((style, template, latest))
        db.session.flush()

    def _specs(self, style, template, category, tech_pack, extra_ease: float) -> None:
        scale = catalog.SIZE_SCALES[category.size_scale]
        base_index = scale.index(category.base_size)
        overrides = {code: (base, grade) for code, base, grade in template.pom_overrides}
        for point in catalog.MEASUREMENT_POINTS[template.category]:
            if point.code in template.pom_omit:
                continue
            base, grade = overrides.get(point.code, (point.base_cm, point.grade_cm))
            for size in template.sizes:
                value = base + grade * (scale.index(size) - base_index) + (extra_ease if point.code == "SLS" else 0)
                self.add(MeasurementSpec(
                    id=demo_id("spec", tech_pack.id, size, point.code), style_id=style.id,
                    tech_pack_version_id=tech_pack.id, size=size, point_code=point.code,
                    point_name=point.description, spec_value=Decimal(f"{value:.1f}"),
                    tolerance_minus=Decimal(str(point.tol_minus_cm)), tolerance_plus=Decimal(str(point.tol_plus_cm)),
                    unit="cm"))

    # --- orders, milestones and inspections --------------------------------------------------

    def _orders_and_inspections(self) -> None:
        styles_by_category = defaultdict(list)
        for entry in self.styles:
            styles_by_category[entry[1].category].append(entry)
        po_seq = 4400
        for factory_def in catalog.FACTORIES:
            factory = self.factories[factory_def.code]
            lots: dict[str, list[LotRecord]] = {c: [] for c in CLASSES}
            order_count = 18
            booked_inline = False
            for k in range(order_count):
                po_seq += 1
                # Ex-factory dates spread over the history and the next six weeks.
                ex_factory = self.today - timedelta(days=HISTORY_DAYS - 5) + timedelta(
                    days=int((HISTORY_DAYS + 42) * k / order_count) + self.rng.randint(0, 6))
                candidates = [s for c in factory_def.specialties for s in styles_by_category.get(c, [])]
                style, template, tech_pack = self.rng.choice(candidates)
                po, line, production = self._order(factory, factory_def, po_seq, style, template, ex_factory)
                if ex_factory <= self.today:
                    self._final_inspection(factory, factory_def, po, line, production, style, template, tech_pack,
                                           ex_factory, lots)
                elif ex_factory <= self.today + timedelta(days=21):
                    # The final, booked two days before the goods leave (today at the earliest).
                    self._planned_inspection(factory, factory_def, production, line, style, template, tech_pack,
                                             lots, "final", max(self.today, ex_factory - timedelta(days=2)))
                if self.today + timedelta(days=10) < ex_factory <= self.today + timedelta(days=30) and not booked_inline:
                    # The next order on the sewing lines (sewing runs from 24 to 10 days before ex-factory): its inline
                    # inspection is booked for tomorrow, so the factory's inspector opens the app to a booking for
                    # the coming days, as on a real Monday.
                    self._planned_inspection(factory, factory_def, production, line, style, template, tech_pack,
                                             lots, "inline", self.today + timedelta(days=1))
                    booked_inline = True

    def _order(self, factory, factory_def, po_seq, style, template, ex_factory):
        number = f"PO {po_seq}"
        sizes = template.sizes
        per_size = [self.rng.choice((60, 120, 180, 240, 300)) for _ in sizes]
        breakdown = {s: q * self.rng.choice((1, 2, 3)) for s, q in zip(sizes, per_size, strict=False)}
        quantity = sum(breakdown.values())
        low, high = (Decimal(v) for v in catalog.UNIT_PRICE_RANGES[template.category][factory_def.currency])
        price = (low + (high - low) * Decimal(self.rng.randint(0, 100)) / 100).quantize(Decimal("0.01"))
        po = self.add(PurchaseOrder(
            id=demo_id("po", number), po_number=number, factory_id=factory.id,
            order_date=ex_factory - timedelta(days=90), currency=factory_def.currency, season=style.season,
            incoterm="FOB",
            status="shipped" if ex_factory < self.today - timedelta(days=7) else "in_production"))
        db.session.flush()
        line = self.add(PurchaseOrderLine(
            id=demo_id("po-line", number, 1), purchase_order_id=po.id, factory_id=factory.id, style_id=style.id,
            colourway=self.rng.choice(template.colourways), size_breakdown=breakdown, quantity=quantity,
            unit_price=price, currency=factory_def.currency, ex_factory_date=ex_factory,
            in_warehouse_date=ex_factory + timedelta(days=35)))
        db.session.flush()
        production = self.add(ProductionOrder(
            id=demo_id("mo", number), number=f"MO-{po_seq}-1", purchase_order_id=po.id, factory_id=factory.id,
            purchase_order_line_id=line.id, quantity=quantity, planned_start=ex_factory - timedelta(days=45),
            planned_finish=ex_factory - timedelta(days=3),
            status="completed" if ex_factory <= self.today else "in_progress", ex_factory_date=ex_factory,
            stage_plan={stage: (ex_factory - timedelta(days=days)).isoformat()
                        for stage, days in STAGE_DAYS_BEFORE_EX_FACTORY}))
        db.session.flush()
        self._milestones(factory, factory_def, production, quantity, ex_factory)
        return po, line, production

    def _milestones(self, factory, factory_def, production, quantity, ex_factory) -> None:
        plan = STAGE_DAYS_BEFORE_EX_FACTORY
        late_prone = not factory_def.steady_production
        slip = 0
        for _n, (stage, days_before) in enumerate(plan):
            reason = None
            if self.rng.random() < (0.25 if late_prone else 0.07) and stage in ("fabric_received", "trims_received", "sewing"):
                extra = self.rng.randint(2, 8)
                slip += extra
                reason = {"fabric_received": "late_fabric", "trims_received": "late_trims"}.get(stage, "capacity")
            when = ex_factory - timedelta(days=days_before) + timedelta(days=slip)
            if when > self.today:
                break
            steps = [quantity] if stage in ("fabric_received", "trims_received", "shipped") else [quantity // 2, quantity]
            for step, qty in enumerate(steps):
                self.add(MilestoneEvent(
                    id=demo_id("milestone", production.id, stage, step), production_order_id=production.id,
                    factory_id=factory.id, stage=stage, quantity=qty,
                    occurred_on=min(when + timedelta(days=step * 2), self.today),
                    delay_reason=reason if step == 0 else None,
                    note=f"{reason.replace('_', ' ')}: {slip} days behind plan" if reason and step == 0 else None))

    def _setup(self, factory_def, template, lots):
        setting = catalog.AQL_DEFAULTS[template.category]["final"]
        aqls = {"critical": setting.critical, "major": setting.major, "minor": setting.minor}
        states = {}
        for cls in CLASSES:
            state = switching_history(lots[cls], steady_production=factory_def.steady_production).state
            # Discontinuation is a business decision; inspection resumes on tightened.
            states[cls] = "tightened" if state == "discontinued" else state
        return setting, aqls, states

    def _final_inspection(self, factory, factory_def, po, line, production, style, template, tech_pack,
                          ex_factory, lots) -> None:
        lot_size = line.quantity
        setting, aqls, states = self._setup(factory_def, template, lots)
        plans = {cls: plan_for(lot_size, setting.inspection_level, aqls[cls], states[cls]) for cls in CLASSES}
        counts = self._draw_defect_counts(factory_def, plans, forced_bad=self._forced_bad(factory_def, ex_factory),
                                          when=ex_factory)
        verdict = judge(plans, counts)
        inspection = self._inspection(factory, production, line, style, tech_pack, "final", lot_size, setting,
                                      aqls, states, ex_factory - timedelta(days=2), plans, verdict, counts,
                                      key=("final", po.po_number))
        for cls in CLASSES:
            lots[cls].append(LotRecord(label=po.po_number, lot_size=lot_size, level=setting.inspection_level,
                                       aql=aqls[cls], count=counts[cls],
                                       accepted=verdict.classes[cls].result == "pass",
                                       inspection_id=str(inspection.id)))
        if verdict.overall == "fail" and ex_factory < self.today - timedelta(days=3):
            # The rework is re-inspected; re-inspections stay out of the switching rules.
            plans2 = plans
            counts2 = {"critical": 0, "major": self.rng.randint(0, plans2["major"].accept),
                       "minor": self.rng.randint(0, plans2["minor"].accept)}
            self._inspection(factory, production, line, style, tech_pack, "final", lot_size, setting, aqls, states,
                             ex_factory, plans2, judge(plans2, counts2), counts2, key=("reinspection", po.po_number),
                             reinspection_of=inspection)

    def _forced_bad(self, factory_def, ex_factory) -> bool:
        """The struggling factory's recent lots are poor, so the switching rules tighten it."""
        return factory_def.code == STRUGGLING_FACTORY and ex_factory > self.today - timedelta(days=40)

    def _draw_defect_counts(self, factory_def, plans, forced_bad: bool, when: date | None = None) -> dict[str, int]:
        sample = max(p.sample_size for p in plans.values())
        bad_lot_chance = 0.35 if factory_def.code == STRUGGLING_FACTORY else (0.16 if not factory_def.steady_production else 0.09)
        if when is not None and factory_def.code in (IMPROVING_FACTORY, DECLINING_FACTORY):
            progress = min(1.0, max(0.0, 1 - (self.today - when).days / HISTORY_DAYS))  # 0 six months ago, 1 today
            if factory_def.code == DECLINING_FACTORY:
                progress = 1 - progress
            bad_lot_chance = 0.45 - 0.42 * progress
        bad = forced_bad or self.rng.random() < bad_lot_chance
        rates = {"critical": 0.0002, "major": 0.07 if bad else 0.012, "minor": 0.09 if bad else 0.025}
        return {cls: _poisson(self.rng, sample * rates[cls]) for cls in CLASSES}

    def _inspection(self, factory, production, line, style, tech_pack, inspection_type, lot_size, setting, aqls,
                    states, day, plans, verdict, counts, key, reinspection_of=None) -> Inspection:
        inspector = self.inspector_for_factory.get(factory.code)
        start = datetime.combine(day, time(2, 30), tzinfo=UTC) + timedelta(minutes=self.rng.randint(0, 180))
        inspection = self.add(Inspection(
            id=demo_id("inspection", *key), inspection_type=inspection_type, factory_id=factory.id,
            reinspection_of_id=reinspection_of.id if reinspection_of else None,
            production_order_id=production.id, tech_pack_version_id=tech_pack.id,
            inspector_id=inspector.id if inspector else None, planned_date=day, status="finalized",
            lot_size=lot_size, inspection_level=setting.inspection_level, count_basis="nonconformities",
            aql_critical=aqls["critical"], aql_major=aqls["major"], aql_minor=aqls["minor"],
            switching_critical=states["critical"], switching_major=states["major"], switching_minor=states["minor"],
            plan={cls: p.as_dict() for cls, p in plans.items()},
            verdict_critical=verdict.classes["critical"].result, verdict_major=verdict.classes["major"].result,
            verdict_minor=verdict.classes["minor"].result, verdict=verdict.overall,
            disposition="release" if verdict.overall == "pass" else "rework_reinspect",
            started_at=start, finished_at=start + timedelta(minutes=150 + self.rng.randint(0, 90)),
            ordered_quantity=line.quantity, packed_quantity=line.quantity,
            carton_count=math.ceil(line.quantity / 30),
            notes=None if verdict.overall == "pass" else "Lot rejected; factory to rework and re-present."))
        db.session.flush()
        self.add(InspectionItem(id=demo_id("inspection-item", inspection.id), inspection_id=inspection.id,
                                factory_id=factory.id, style_id=style.id, purchase_order_line_id=line.id,
                                quantity=line.quantity))
        sample = max(p.sample_size for p in plans.values())
        n = 0
        for cls in CLASSES:
            for _ in range(counts[cls]):
                n += 1
                defect_type = self.rng.choice(self.defects_by_severity[cls] or self.defects_by_severity["major"])
                self.add(InspectionDefect(
                    id=demo_id("defect", inspection.id, n), inspection_id=inspection.id, factory_id=factory.id,
                    defect_type_id=defect_type.id, severity=cls,
                    location=self.rng.choice(("front", "back", "left sleeve", "right sleeve", "collar", "hem",
                                              "waistband", "pocket", "side seam", None)),
                    sample_unit=self.rng.randint(1, sample)))
        return inspection

    def _corrective_actions(self) -> None:
        """Each failed lot's corrective action: closed where a re-inspection passed (it checked the fix); the
        others answered, awaiting QC, in progress or still open, those opened long ago overdue."""
        from server.models import CorrectiveAction
        from server.models.corrective_actions import corrective_action_id
        from server.services.corrective_actions import DAYS_TO_ANSWER

        inspections = db.session.scalars(select(Inspection).where(Inspection.status == "finalized")
                                         .order_by(Inspection.finished_at, Inspection.id)).all()
        rechecked = {i.reinspection_of_id: i for i in inspections if i.reinspection_of_id is not None}
        failed = [i for i in inspections if i.reinspection_of_id is None and i.verdict == "fail"]
        for n, inspection in enumerate(failed):
            opened = inspection.finished_at
            again = rechecked.get(inspection.id)
            answer = {"root_cause": self.rng.choice(DEMO_ROOT_CAUSES), "action": self.rng.choice(DEMO_ACTIONS),
                      "owner": "Line supervisor", "evidence_notes": "Retraining record and first-piece check sheet."}
            action = CorrectiveAction(
                id=corrective_action_id(inspection.id), inspection_id=inspection.id, factory_id=inspection.factory_id,
                problem="Failed final inspection: " + ", ".join(
                    cls for cls in CLASSES if getattr(inspection, f"verdict_{cls}") == "fail") + " over the AQL.",
                due_date=opened.date() + timedelta(days=DAYS_TO_ANSWER), created_at=opened, updated_at=opened)
            if again is not None:
                action.reinspection_id = again.id
            if again is not None and again.verdict == "pass" and n % 4:
                action.status = "closed"
                action.verified_by_id, action.verified_at = again.inspector_id, again.finished_at
                action.verification_note = "Re-inspection passed."
                for key, value in answer.items():
                    setattr(action, key, value)
            else:
                # Every stage of the loop; those opened more than two weeks ago are overdue.
                action.status = ("open", "in_progress", "awaiting_verification")[n % 3]
                if action.status == "awaiting_verification":
                    for key, value in answer.items():
                        setattr(action, key, value)
            self.add(action)

    def _design_reviews(self) -> None:
        """Reviews of the latest critical and major defect groups, one per style, with their comment threads."""
        latest_pack = {style.id: tech_pack for style, _template, tech_pack in self.styles}
        groups = db.session.execute(
            select(Inspection.id, Inspection.factory_id, InspectionItem.style_id, InspectionDefect.defect_type_id,
                   InspectionDefect.severity, Inspection.finished_at)
            .join(InspectionDefect, InspectionDefect.inspection_id == Inspection.id)
            .join(InspectionItem, InspectionItem.inspection_id == Inspection.id)
            .where(Inspection.status == "finalized", InspectionDefect.severity.in_(("critical", "major")))
            .distinct()
            .order_by(Inspection.finished_at.desc(), Inspection.id, InspectionDefect.severity,
                      InspectionDefect.defect_type_id)).all()
        reviewed_styles: set = set()
        chosen = []
        for group in groups:
            if group.style_id not in reviewed_styles and len(chosen) < len(DEMO_REVIEWS):
                reviewed_styles.add(group.style_id)
                chosen.append(group)
        designer = self.users["designer"]
        for n, (group, (status, cause, fixed, comments)) in enumerate(zip(chosen, DEMO_REVIEWS, strict=False)):
            review = self.add(DefectReview(
                id=demo_id("review", group.id, group.defect_type_id, group.severity), inspection_id=group.id,
                factory_id=group.factory_id, style_id=group.style_id, defect_type_id=group.defect_type_id,
                severity=group.severity, status=status, root_cause=cause,
                fix_tech_pack_version_id=latest_pack[group.style_id].id if fixed else None,
                created_by_id=designer.id))
            db.session.flush()
            for k, body in enumerate(comments):
                self.add(ReviewComment(id=demo_id("review-comment", review.id, k), review_id=review.id,
                                       factory_id=group.factory_id, body=body,
                                       created_by_id=designer.id if k % 2 == 0 else self.users["manager"].id,
                                       created_at=datetime.combine(self.today, time(9, n * 5 + k), tzinfo=UTC)))

    def _planned_inspection(self, factory, factory_def, production, line, style, template, tech_pack, lots,
                            inspection_type: str, day: date) -> None:
        setting, aqls, states = self._setup(factory_def, template, lots)
        inspector = self.inspector_for_factory.get(factory.code)
        plans = {cls: plan_for(line.quantity, setting.inspection_level, aqls[cls], states[cls]) for cls in CLASSES}
        inspection = self.add(Inspection(
            id=demo_id("inspection", "planned", production.number, *(() if inspection_type == "final" else (inspection_type,))),
            inspection_type=inspection_type, factory_id=factory.id,
            production_order_id=production.id, tech_pack_version_id=tech_pack.id,
            inspector_id=inspector.id if inspector else None, planned_date=day,
            status="planned", lot_size=line.quantity, inspection_level=setting.inspection_level,
            count_basis="nonconformities", aql_critical=aqls["critical"], aql_major=aqls["major"],
            aql_minor=aqls["minor"], switching_critical=states["critical"], switching_major=states["major"],
            switching_minor=states["minor"], plan={cls: p.as_dict() for cls, p in plans.items()},
            ordered_quantity=line.quantity))
        db.session.flush()
        self.add(InspectionItem(id=demo_id("inspection-item", inspection.id), inspection_id=inspection.id,
                                factory_id=factory.id, style_id=style.id, purchase_order_line_id=line.id,
                                quantity=line.quantity))


DEMO_ROOT_CAUSES = ("Needle plates worn on the sewing line.", "Operators new to the style, not trained on the seam.",
                    "Fabric relaxation skipped before cutting.", "Thread tension not checked at line start.")
DEMO_ACTIONS = ("Plates replaced; daily check added to the line sheet.", "Operators retrained; first-piece approval.",
                "Fabric relaxed 24 h before cutting from now on.", "Tension checked and logged every shift.")

# The designer's first reviews, of the latest critical and major findings: (status, root cause, fixed in the
# style's latest tech pack, comments). The rest of the queue stays unreviewed, as on a real Monday.
DEMO_REVIEWS = (
    ("action_in_tech_pack", "design_pattern", True,
     ("Seam allowance at the armhole is 0.6 cm in the pattern; the factory cannot hold it.",
      "Widened to 1 cm in the latest tech pack. Inspectors: check the armhole seam first.")),
    ("acknowledged", "material", False,
     ("Shading between panels: asking the mill for the lot test report.",)),
    ("resolved", "trims", True,
     ("Zip puller changed to the heavier gauge; confirmed on the last lots.",)),
    ("wont_fix", "workmanship", False,
     ("Not a design issue: line training, followed up by the factory.",)),
    ("new", None, False, ()),
)


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; means here are small."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
