"""Analytics benchmark: each dashboard query's time at 10,000, 100,000 (and 1,000,000) inspections, on
SQLite and PostgreSQL, beside a plain aggregate over the same rows; and the PDF report with 20 photos.

    .venv/bin/python bench/analytics_bench.py [--sizes 10000,100000,1000000] [--backends sqlite,postgresql]

The rows are written straight into the tables (a benchmark database, not the change-recording path):
12 factories, 60 styles in 6 categories, 40 defect types, about 1.8 defects per inspection, 8 % of them
re-inspections, finalize times over two years. PostgreSQL is a throwaway server started here
(tests/pgserver.py). The aim: the main dashboard (the five calls the manager's home makes) under 300 ms.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from sqlalchemy import insert, text  # after the path set-up above

from server import create_app
from server.extensions import db
from server.models import (
    DefectType,
    Factory,
    FigureRollup,
    Inspection,
    InspectionDefect,
    InspectionItem,
    Photo,
    Style,
    User,
)
from server.services import analytics, rollups
from server.services.analytics import Filters
from server.services.users import create_user

SEED = 20261130
CATEGORIES = ("tops_knit", "tops_woven", "bottoms_denim", "bottoms_woven", "dresses", "outerwear")
START = datetime(2025, 1, 1, tzinfo=UTC)
CHUNK = 5000


def build_catalogue(rng):
    now = datetime.now(UTC)
    base = {"created_at": now, "updated_at": now, "server_version": 1, "field_versions": {}}
    factories = [dict(base, id=uuid.uuid4(), code=f"F{n:02d}", name=f"Factory {n:02d}", country="VN",
                      timezone="UTC", steady_production=True, active=True) for n in range(12)]
    styles = [dict(base, id=uuid.uuid4(), style_number=f"S-{n:03d}", name=f"Style {n}", season="SS26",
                   category=CATEGORIES[n % len(CATEGORIES)], active=True) for n in range(60)]
    defect_types = [dict(base, id=uuid.uuid4(), code=f"D-{n:02d}", name=f"Defect {n}", category="workmanship",
                         default_severity="major", names_translated={}, active=True) for n in range(40)]
    db.session.execute(insert(Factory), factories)
    db.session.execute(insert(Style), styles)
    db.session.execute(insert(DefectType), defect_types)
    db.session.commit()
    create_user(None, {"email": "bench-manager@example.com", "display_name": "Bench manager", "role": "manager",
                       "password": "benchmark password", "factory_ids": []}, source="seed")
    return [f["id"] for f in factories], [s["id"] for s in styles], [d["id"] for d in defect_types]


def add_inspections(rng, count, catalogue):
    """``count`` finalized inspections with their items and defects, in chunks."""
    factories, styles, defect_types = catalogue
    now = datetime.now(UTC)
    base = {"created_at": now, "updated_at": now, "server_version": 1, "field_versions": {}}
    weights = [1 / (n + 1) for n in range(len(defect_types))]  # a Pareto-like spread of defect types
    plan = {cls: {"sample_size": 125, "accept": a, "reject": a + 1, "code_letter": "K"}
            for cls, a in (("critical", 0), ("major", 7), ("minor", 10))}
    done = 0
    previous: list = []
    while done < count:
        n = min(CHUNK, count - done)
        inspections, items, defects = [], [], []
        for _ in range(n):
            iid = uuid.uuid4()
            factory = rng.randrange(len(factories))
            failing = rng.random() < 0.08 + factory * 0.01
            reinspection = previous[rng.randrange(len(previous))] if previous and rng.random() < 0.08 else None
            finished = START + timedelta(seconds=rng.randrange(730 * 86400))
            inspections.append(dict(base, id=iid, inspection_type=rng.choice(("inline", "final", "final")),
                                    factory_id=factories[factory], status="finalized", lot_size=3000,
                                    inspection_level="II", count_basis="nonconformities", aql_critical="0",
                                    aql_major="2.5", aql_minor="4.0", switching_critical="normal",
                                    switching_major="normal", switching_minor="normal", plan=plan,
                                    verdict="fail" if failing else "pass", verdict_critical="pass",
                                    verdict_major="fail" if failing else "pass", verdict_minor="pass",
                                    finished_at=finished, started_at=finished, reinspection_of_id=reinspection))
            items.append(dict(base, id=uuid.uuid4(), inspection_id=iid, factory_id=factories[factory],
                              style_id=styles[rng.randrange(len(styles))], quantity=3000))
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
                defects.append(dict(base, id=uuid.uuid4(), inspection_id=iid, factory_id=factories[factory],
                                    defect_type_id=rng.choices(defect_types, weights)[0],
                                    severity=rng.choice(("major", "minor", "minor"))))
            if len(previous) < 1000:
                previous.append(iid)
        db.session.execute(insert(Inspection), inspections)
        db.session.execute(insert(InspectionItem), items)
        if defects:
            db.session.execute(insert(InspectionDefect), defects)
        db.session.commit()
        done += n


def median_ms(fn, repeat=5) -> float:
    fn()  # warm-up: caches, the query planner
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(size: int, backend: str) -> None:
    manager = db.session.query(User).filter_by(email="bench-manager@example.com").one()
    f = Filters(period="month")
    year = Filters(period="month", date_from=(START + timedelta(days=365)).date(),
                   date_to=(START + timedelta(days=729)).date())

    def baseline():
        db.session.execute(text("SELECT count(*), sum(CASE WHEN verdict = 'pass' THEN 1 ELSE 0 END) FROM inspections "
                                "WHERE status = 'finalized' AND deleted_at IS NULL")).all()
        db.session.execute(text("SELECT count(*) FROM inspection_defects WHERE deleted_at IS NULL")).all()

    queries = {
        "pass rates by period": lambda: analytics.pass_rates(manager, f, "period"),
        "pass rates by factory (+trend)": lambda: analytics.pass_rates(manager, f, "factory"),
        "pass rates by style (+trend)": lambda: analytics.pass_rates(manager, f, "style"),
        "defect Pareto": lambda: analytics.pareto(manager, f),
        "rejected lots, first page": lambda: analytics.rejected_lots(manager, f, 1, 10),
        "pass rates by factory, last year": lambda: analytics.pass_rates(manager, year, "factory"),
    }
    base = median_ms(baseline)
    print(f"\n{backend}, {size:,} inspections: plain aggregate (count and pass count, defect count) {base:,.0f} ms")
    total = 0.0
    for name, fn in queries.items():
        ms = median_ms(fn, repeat=3 if size >= 1_000_000 else 5)
        if name in ("pass rates by period", "pass rates by factory (+trend)", "defect Pareto",
                    "rejected lots, first page"):
            total += ms
        print(f"  {name:<36} {ms:>9,.0f} ms   {ms / base:>6.1f} x the plain aggregate")
    started = time.perf_counter()
    analytics.switching_states(manager)
    replay = (time.perf_counter() - started) * 1000
    print(f"  {'switching, first call (replay)':<36} {replay:>9,.0f} ms   {replay / base:>6.1f} x")
    switching = median_ms(lambda: analytics.switching_states(manager))
    total += switching
    print(f"  {'switching, no new lot since (kept)':<36} {switching:>9,.0f} ms   {switching / base:>6.1f} x")
    print(f"  main dashboard (five calls)          {total:>9,.0f} ms   aim: under 300 ms")


def run_backend(backend: str, url: str, sizes: list[int], photo_dir: str) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": url, "PHOTO_DIR": photo_dir})
    rng = random.Random(SEED)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        catalogue = build_catalogue(rng)
        built = 0
        for size in sizes:
            started = time.perf_counter()
            add_inspections(rng, size - built, catalogue)
            built = size
            print(f"\n[{backend}] built {size:,} inspections in {time.perf_counter() - started:,.0f} s")
            started = time.perf_counter()
            rollups.rebuild()  # the rows above bypassed finalize, which keeps the rollups in step
            db.session.commit()
            print(f"[{backend}] rebuilt the rollups from the records in {time.perf_counter() - started:,.1f} s "
                  f"({db.session.query(FigureRollup).count():,} figure rows)")
            if backend == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            measure(size, backend)
        db.session.remove()
        db.engine.dispose()


def pdf_bench(photo_dir: str) -> None:
    """The report of an inspection with 20 photos (1600 x 1200 JPEG display size) against a bare fpdf2
    document holding the same 20 images (no fonts to shape, no tables)."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw
    from world import INSPECTION_A, build_world

    from server.services.photos import SIZES, storage
    from server.services.report import inspection_pdf

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tempfile.mkdtemp()}/pdf.db",
                      "PHOTO_DIR": photo_dir})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        build_world()
        images = []
        for n in range(20):
            image = Image.new("RGB", (1600, 1200), (40 + n * 9, 90, 140))
            ImageDraw.Draw(image).ellipse((200 + n * 20, 200, 1200, 1000), fill=(220, 200 - n * 5, 60))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85)
            images.append(out.getvalue())
        inspection = db.session.get(Inspection, INSPECTION_A)
        now = datetime.now(UTC)
        for n, data in enumerate(images):
            import hashlib

            sha = hashlib.sha256(data).hexdigest()
            storage().put(sha + SIZES["display"], data)
            db.session.execute(insert(Photo), [{"id": uuid.uuid4(), "sha256": sha, "factory_id": inspection.factory_id,
                                                "kind": "inspection", "inspection_id": inspection.id,
                                                "caption": f"Carton {n + 1}: Đường may 线头 সেলাই",
                                                "storage_state": "stored", "created_at": now, "updated_at": now,
                                                "server_version": 1, "field_versions": {}}])
        db.session.commit()

        def bare():
            pdf = FPDF()
            for data in images:
                pdf.add_page()
                pdf.image(io.BytesIO(data), x=10, y=10, w=88)
            return bytes(pdf.output())

        base = median_ms(bare, repeat=3)
        report = median_ms(lambda: inspection_pdf(db.session.get(Inspection, INSPECTION_A)), repeat=3)
        size = len(inspection_pdf(db.session.get(Inspection, INSPECTION_A)))
        print(f"\nPDF report with 20 photos (Latin, Vietnamese, Chinese, Bengali text): {report:,.0f} ms, "
              f"{size / 1e6:.1f} MB; bare fpdf2 with the same 20 images: {base:,.0f} ms "
              f"({report / base:.1f} x; loading the CJK font is most of the difference)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated, growing (add 1000000)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    workdir = Path(tempfile.mkdtemp(prefix="analytics-bench-"))
    print(f"seed {SEED}; sizes {sizes}; work dir {workdir}")
    for backend in args.backends.split(","):
        if backend == "sqlite":
            run_backend("sqlite", f"sqlite:///{workdir}/bench.db", sizes, str(workdir / "photos"))
        else:
            from pgserver import PostgresServer

            server = PostgresServer().start()
            try:
                run_backend("postgresql", server.url, sizes, str(workdir / "photos"))
            finally:
                server.stop()
    if not args.no_pdf:
        pdf_bench(str(workdir / "pdf-photos"))


if __name__ == "__main__":
    main()
