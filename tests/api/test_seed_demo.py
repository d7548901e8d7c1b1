"""The demo data set: deterministic, idempotent, and rich enough for every screen."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, select

from server.extensions import db
from server.models import (
    AuditEntry,
    DefectType,
    Factory,
    Inspection,
    InspectionDefect,
    MeasurementSpec,
    MilestoneEvent,
    ProductionOrder,
    PurchaseOrder,
    Style,
    TechPackVersion,
    User,
)

TODAY = date(2026, 11, 23)


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_demo_builds_a_meaningful_data_set_once(empty_app):
    from server.aql import LotRecord, switching_history
    from server.seed.demo import seed_demo

    with empty_app.app_context():
        report = seed_demo(today=TODAY)
        assert report.created

        factories = db.session.scalars(select(Factory)).all()
        assert len(factories) >= 5 and len({f.country for f in factories}) >= 5
        assert {u.role for u in db.session.scalars(select(User))} == {"inspector", "designer", "manager", "admin",
                                                                       "factory"}
        assert _count(Style) >= 40
        styles_with_specs = db.session.scalar(select(func.count(func.distinct(MeasurementSpec.style_id))))
        assert styles_with_specs == _count(Style)
        assert _count(TechPackVersion) >= _count(Style)
        names = {d.name.lower() for d in db.session.scalars(select(DefectType))}
        assert len(names) >= 40
        for expected in ("broken stitch", "open seam", "skipped stitch", "hole"):
            assert any(expected in n for n in names), expected
        assert _count(PurchaseOrder) >= 40 and _count(ProductionOrder) >= _count(PurchaseOrder)
        assert _count(MilestoneEvent) >= 4 * _count(ProductionOrder)

        finalized = db.session.scalars(
            select(Inspection).where(Inspection.status == "finalized").order_by(Inspection.finished_at)).all()
        days = (max(i.finished_at for i in finalized) - min(i.finished_at for i in finalized)).days
        assert days >= 150, "six months of history"
        originals = [i for i in finalized if i.reinspection_of_id is None]
        pass_rate = sum(i.verdict == "pass" for i in originals) / len(originals)
        assert 0.70 <= pass_rate <= 0.90, pass_rate
        assert _count(InspectionDefect) > len(finalized)
        planned = db.session.scalars(select(Inspection).where(Inspection.status == "planned")).all()
        assert len(planned) >= 5
        # Nothing booked in the past; every inspector opens the app to a booking for the coming days.
        assert min(i.planned_date for i in planned) >= TODAY
        inspectors = {u.id for u in db.session.scalars(select(User).where(User.role == "inspector"))}
        assert {i.inspector_id for i in planned if i.planned_date <= TODAY + timedelta(days=7)} == inspectors

        # Replaying the switching rules over each factory's lots puts exactly the struggling one on tightened.
        lots = defaultdict(list)
        for inspection in originals:
            lots[inspection.factory_id].append(LotRecord(
                label=str(inspection.id), lot_size=inspection.lot_size, level=inspection.inspection_level,
                aql=inspection.aql_major,
                count=sum(1 for d in inspection.defects if d.severity == "major"),
                accepted=inspection.verdict_major == "pass"))
        steady = {f.id: f.steady_production for f in factories}
        tightened = {db.session.get(Factory, fid).code for fid, records in lots.items()
                     if switching_history(records, steady_production=steady[fid]).state in ("tightened", "discontinued")}
        assert tightened == {"KH-PNH-01"}

        audit_rows = _count(AuditEntry)
        counts = {m.__name__: _count(m) for m in (Factory, Style, Inspection, InspectionDefect, User)}
        again = seed_demo(today=TODAY + timedelta(days=3))
        assert not again.created
        assert {m.__name__: _count(m) for m in (Factory, Style, Inspection, InspectionDefect, User)} == counts
        assert _count(AuditEntry) == audit_rows


def test_seed_demo_is_deterministic(empty_app, tmp_path):
    """Two empty databases seeded on the same day hold the same inspections and verdicts."""
    from server import create_app
    from server.seed.demo import seed_demo

    def snapshot(app):
        with app.app_context():
            seed_demo(today=TODAY)
            rows = db.session.execute(select(Inspection.id, Inspection.verdict, Inspection.lot_size)
                                      .order_by(Inspection.id)).all()
            return [tuple(r) for r in rows]

    first = snapshot(empty_app)
    other = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}"})
    with other.app_context():
        from flask_migrate import upgrade

        upgrade()
    assert snapshot(other) == first
    with other.app_context():
        db.engine.dispose()


def test_seed_and_run_demo_cli_print_the_logins(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "admin@seamline.example" in result.output and "seamline-demo" in result.output
    assert "127.0.0.1:5000" not in result.output  # the address is run-demo's to print, with its real port
    again = empty_app.test_cli_runner().invoke(args=["seed-demo"])
    assert "already present" in again.output
