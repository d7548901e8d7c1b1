"""The inspector's screens at factory scale, on the demo data (150 inspections, 99 defect types, 800 orders'
milestones): the list finds the inspection just started and filters the rest, the tally keeps still while
tallying, measurements and milestones follow what is typed and recorded."""

from __future__ import annotations

import re
import shutil
import uuid
from datetime import date

import pytest
from helpers import PIXEL_7, serving, wait_synced, wait_until

DEMO_INSPECTOR = "inspector@seamline.example"
DEMO_MANAGER = "manager@seamline.example"
DEMO_PASSWORD = "seamline-demo"
# The seed's dates are relative to the day it runs: a fixed one keeps every run the same.
DEMO_TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory):
    """The demo data set, seeded once per module into a SQLite file that each test copies."""
    from apps import dispose, make_app
    from flask_migrate import upgrade

    from server.seed.demo import seed_demo

    folder = tmp_path_factory.mktemp("demo")
    app = make_app(f"sqlite:///{folder / 'demo.db'}", folder)
    with app.app_context():
        upgrade()
        seed_demo(today=DEMO_TODAY)
    dispose(app)
    return folder / "demo.db"


@pytest.fixture
def demo_app(demo_database, tmp_path):
    """(base URL, app): a copy of the demo data served over HTTP on a free loopback port."""
    from apps import dispose, make_app

    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_database, copy)
    app = make_app(f"sqlite:///{copy}", tmp_path)
    with serving(app) as base:
        yield base, app
    dispose(app)


def _login(page, base, email=DEMO_INSPECTOR, ready="[data-testid=inspection-link]"):
    page.goto(base + "/")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(ready, timeout=30_000)
    _settled(page)


def _settled(page):
    """The first sync has brought everything (and the list was redrawn with it)."""
    wait_until(page, """async () => { const s = (await import('/js/sync.js')).status();
                                      return !s.running && Boolean(s.lastSuccess); }""", timeout=60)


def _row_texts(page, selector="[data-testid=inspection-link]"):
    return page.eval_on_selector_all(selector, """(rows) => rows.map((row) => ({
        id: row.dataset.id,
        date: row.querySelector('[data-testid=row-date]').textContent,
        style: row.querySelector('[data-testid=row-style]').textContent,
        po: row.querySelector('[data-testid=row-po]').textContent,
        type: row.querySelector('[data-testid=row-type]').textContent,
        status: row.querySelector('[data-testid=row-status]').textContent,
        verdict: row.querySelector('[data-testid=row-verdict]')?.textContent ?? null }))""")


def _wait_all(page, testid, text):
    """Every row shown (and at least one) has this text in that cell."""
    wait_until(page, """([testid, text]) => {
        const cells = [...document.querySelectorAll(`[data-testid=${testid}]`)];
        return cells.length > 0 && cells.every((e) => e.textContent === text); }""", arg=[testid, text])


def test_my_inspections_puts_the_new_one_first_and_filters_in_the_url(phone, demo_app):
    base, _app = demo_app
    page = phone.new_page()
    _login(page, base)

    # Every row says what the inspector knows it by; the finalized ones newest first, with their verdicts.
    rows = _row_texts(page)
    assert rows and all(r["date"] != "—" and r["style"] and r["po"].startswith("PO ") and r["type"] and r["status"]
                        for r in rows)
    finalized = [r for r in rows if r["status"] == "Finalized"]
    assert finalized and all(r["verdict"] in ("Pass", "Fail") for r in finalized)

    page.click("[data-testid=new-inspection]")
    page.wait_for_selector("#lot_size")
    page.fill("#lot_size", "600")
    page.click("[data-testid=start]")
    page.wait_for_selector("[data-testid=summary]")
    new_id = page.evaluate("() => location.hash.split('/')[2]")
    # Nothing recorded yet: nothing to judge.
    assert page.inner_text("[data-testid=verdict]") == "Not started"
    page.click("[data-testid=nav-inspections]")
    page.wait_for_selector("[data-testid=open-list]")

    # The inspection just started is the first row, on the first screen.
    # Read in one step in the page: a sync finishing meanwhile redraws the list, replacing its rows.
    wait_until(page, """([id, height]) => {
        const first = document.querySelector('[data-testid=inspection-link]');
        return first?.dataset.id === id && first.getBoundingClientRect().bottom <= height;
    }""", arg=[new_id, PIXEL_7["viewport"]["height"]])
    assert _row_texts(page)[0]["verdict"] == "Not started"

    # A search by PO keeps only that PO's inspections, and it is in the URL.
    wanted = next(r["po"] for r in _row_texts(page) if r["status"] == "Finalized")
    page.fill("[data-testid=inspection-search]", wanted)
    _wait_all(page, "row-po", wanted)
    found = _row_texts(page)
    assert found and {r["po"] for r in found} == {wanted}
    assert "q=" in page.evaluate("() => location.hash")

    # Into an inspection and back: the search is still there, and so is the list it made.
    page.click(f"[data-id='{found[0]['id']}']")
    page.wait_for_selector("[data-testid=summary]")
    page.go_back()
    page.wait_for_selector("[data-testid=inspection-search]")
    wait_until(page, "() => document.querySelectorAll('[data-testid=inspection-link]').length > 0")
    assert page.input_value("[data-testid=inspection-search]") == wanted
    assert {r["po"] for r in _row_texts(page)} == {wanted}

    # Filters: status and type, and a date range, kept in the URL too.
    page.fill("[data-testid=inspection-search]", "")
    page.click("[data-testid=filters]")
    # The demo has no pre-production inspection; its inline ones are the bookings for tomorrow; the rest are finals.
    page.select_option("[data-testid=filter-type]", "pre_production")
    page.wait_for_selector("[data-testid=no-match]")
    assert "type=pre_production" in page.evaluate("() => location.hash")
    page.select_option("[data-testid=filter-type]", "inline")
    _wait_all(page, "row-type", "Inline")
    assert {r["status"] for r in _row_texts(page)} == {"Planned"}
    page.select_option("[data-testid=filter-type]", "final")
    _wait_all(page, "row-type", "Final random")
    page.select_option("[data-testid=filter-type]", "")
    wait_until(page, "() => !location.hash.includes('type=')")
    page.select_option("[data-testid=filter-status]", "planned")
    _wait_all(page, "row-status", "Planned")
    assert _row_texts(page), "the demo inspector has planned inspections"
    page.select_option("[data-testid=filter-status]", "finalized")
    page.fill("[data-testid=filter-from]", "2026-10-01")
    page.fill("[data-testid=filter-to]", "2026-10-31")
    wait_until(page, "() => location.hash.includes('to=2026-10-31')")
    _wait_all(page, "row-status", "Finalized")
    in_october = _row_texts(page)
    assert in_october
    hash_now = page.evaluate("() => location.hash")
    assert "status=finalized" in hash_now and "from=2026-10-01" in hash_now and "to=2026-10-31" in hash_now
    page.reload()
    page.wait_for_selector("[data-testid=inspection-link]")
    assert [r["id"] for r in _row_texts(page)] == [r["id"] for r in in_october]
    days = page.evaluate("""async () => {
        const db = await import('/js/db.js');
        const list = await import('/js/inspection-list.js');
        const all = await db.records('inspection');
        return [...document.querySelectorAll('[data-testid=inspection-link]')].map((a) => list.dayOf(all.get(a.dataset.id)));
    }""")
    assert days == sorted(days, reverse=True) and all("2026-10-01" <= d <= "2026-10-31" for d in days)


def _add_inspections(app, count):
    """Another year of one inspector's finalized inspections, so the phone holds hundreds."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from server.extensions import db
    from server.models import Factory, Inspection, User
    from server.services import changes

    with app.app_context():
        inspector = db.session.scalars(select(User).where(User.email == DEMO_INSPECTOR)).one()
        factory = db.session.scalars(select(Factory).where(Factory.code == "BD-GZP-01")).one()
        with changes.recording(None, "seed"):
            for n in range(count):
                finished = datetime(2025, 6, 1, 8, tzinfo=UTC) + timedelta(days=n, hours=n % 5)
                db.session.add(Inspection(inspection_type="inline", factory_id=factory.id, inspector_id=inspector.id,
                                          planned_date=finished.date(), status="finalized", lot_size=500 + n,
                                          verdict="pass", verdict_critical="pass", verdict_major="pass",
                                          verdict_minor="pass", started_at=finished - timedelta(hours=2),
                                          finished_at=finished))
        db.session.remove()


def test_hundreds_of_inspections_are_drawn_a_page_at_a_time(phone, demo_app):
    base, app = demo_app
    _add_inspections(app, 300)
    page = phone.new_page()
    _login(page, base)
    total = page.evaluate("async () => (await (await import('/js/db.js')).records('inspection')).size")
    assert total >= 350
    drawn = page.locator("[data-testid=inspection-link]").count()
    assert drawn < 60
    ids = [r["id"] for r in _row_texts(page)]
    page.click("[data-testid=show-more]")
    wait_until(page, f"() => document.querySelectorAll('[data-testid=inspection-link]').length > {drawn}")
    more = [r["id"] for r in _row_texts(page)]
    assert more[:len(ids)] == ids and len(set(more)) == len(more)
    while page.locator("[data-testid=show-more]").is_visible():
        page.click("[data-testid=show-more]")
    assert page.locator("[data-testid=inspection-link]").count() == total


LIBRARY_CODES = """() => [...document.querySelectorAll('.library .defect-type')].map((row) =>
    row.querySelector('button.tally').dataset.testid.replace(/^tally-/, '').replace(/-[a-z]+$/, ''))"""
VISIBLE_CODES = LIBRARY_CODES.replace(".map(", ".filter((row) => !row.hidden).map(", 1)


def _start_inspection(page, lot="600"):
    page.click("[data-testid=new-inspection]")
    page.wait_for_selector("#lot_size")
    page.fill("#lot_size", lot)
    page.click("[data-testid=start]")
    page.wait_for_selector("[data-testid=summary]")
    return page.evaluate("() => location.hash.split('/')[2]")


def test_tally_holds_still_counts_per_type_and_undoes_after_a_sync(phone, demo_app):
    from sqlalchemy import select

    from server.extensions import db
    from server.models import InspectionDefect

    base, app = demo_app
    page = phone.new_page()
    _login(page, base)
    inspection_id = _start_inspection(page)
    page.wait_for_selector(".library .defect-type")
    library = page.evaluate(LIBRARY_CODES)
    assert len(library) >= 90

    # The photos are one tap from the top, above the library, on the first screen.
    bar = page.locator("[data-testid=photos-bar]").bounding_box()
    first_type = page.locator(".library .defect-type").first.bounding_box()
    assert bar["y"] < first_type["y"] and bar["y"] + bar["height"] <= PIXEL_7["viewport"]["height"]
    assert page.locator("[data-testid=photos-bar] [data-testid=photo-inspection]").count() == 1

    # The least used type, found by a search, tapped three times: the search stays, and so does the order.
    # Offline on the floor: a sync in the middle would redraw the counts from the server's side of it.
    phone.set_offline(True)
    code = library[-1]
    page.fill("#search", code)
    assert page.evaluate(VISIBLE_CODES) == [code]
    for n in range(1, 4):
        page.click(f"[data-testid=tally-{code}-major]")
        wait_until(page, f"() => document.querySelector('[data-testid=count-major]')?.textContent === '{n}'")
        wait_until(page, f"() => document.querySelector('[data-testid=recorded-{code}]')?.textContent === '{n} recorded'")
        assert page.input_value("#search") == code
        assert page.evaluate(VISIBLE_CODES) == [code]
    page.fill("#search", "")
    assert page.evaluate(LIBRARY_CODES) == library

    # Synced, the inspector's own last defect can still be undone: a delete, which the server applies.
    phone.set_offline(False)
    wait_synced(page, timeout=30)
    page.reload()
    page.wait_for_selector("[data-testid=undo]:not([disabled])")
    page.click("[data-testid=undo]")
    wait_until(page, "() => document.querySelector('[data-testid=count-major]')?.textContent === '2'")
    wait_synced(page, timeout=30)
    with app.app_context():
        mine = InspectionDefect.inspection_id == uuid.UUID(inspection_id)
        found = db.session.scalars(select(InspectionDefect).where(mine)).all()
        assert sorted(d.deleted_at is None for d in found) == [False, True, True]
        db.session.remove()

    # The review groups the repeated defect with its count.
    page.fill("#search", code)
    page.click("[data-testid=tab-review]")
    page.wait_for_selector("[data-testid=review]")
    groups = page.locator("[data-testid=defect-group]")
    assert groups.count() == 1
    assert groups.first.locator("[data-testid=defect-group-count]").inner_text() == "× 2"

    # Opened again, the tally puts the type now in use above the unused ones, and the search starts empty.
    page.click("[data-testid=tab-tally]")
    page.wait_for_selector(".library .defect-type")
    assert page.evaluate(LIBRARY_CODES).index(code) < len(library) - 1
    assert page.input_value("#search") == ""


def test_measurement_summary_follows_what_is_typed(phone, live_app):
    import world
    from helpers import login

    base, _app = live_app
    page = phone.new_page()
    login(page, base)
    page.goto(base + f"/#/inspection/{world.INSPECTION_A}/measure")
    page.wait_for_selector("[data-testid=measurements]")
    summary = page.locator("[data-testid=measure-summary]")
    assert summary.inner_text() == "1 measured, 0 out of tolerance."
    page.select_option("#unit", "2")
    page.wait_for_selector("[data-testid=measure-A]")
    # Typed, not yet saved (no change event, the field keeps the focus): the summary follows at once.
    page.fill("[data-testid=measure-A]", "60")
    wait_until(page, "() => document.querySelector('[data-testid=measure-summary]').textContent === "
                     "'2 measured, 1 out of tolerance.'")
    page.fill("[data-testid=measure-A]", "52.4")
    wait_until(page, "() => document.querySelector('[data-testid=measure-summary]').textContent === "
                     "'2 measured, 0 out of tolerance.'")
    page.fill("[data-testid=measure-A]", "")
    wait_until(page, "() => document.querySelector('[data-testid=measure-summary]').textContent === "
                     "'1 measured, 0 out of tolerance.'")


def test_milestones_list_open_orders_first_and_suggest_the_next_stage(phone, demo_app):
    base, _app = demo_app
    page = phone.new_page()
    _login(page, base)
    page.click("[data-testid=nav-milestones]")
    page.wait_for_selector("[data-testid=production-order-link]")
    statuses = page.eval_on_selector_all("[data-testid=production-order-link]", "(a) => a.map((e) => e.dataset.status)")
    open_statuses = page.evaluate("async () => (await import('/js/vocabulary.js')).words('open_production_order_statuses')")
    assert open_statuses == ["planned", "in_progress"]
    first_closed = next(n for n, s in enumerate(statuses) if s not in open_statuses)
    assert first_closed > 0 and all(s not in open_statuses for s in statuses[first_closed:])

    # An order whose furthest stage is sewing: the form offers finishing, and still does after a correction
    # of the cut quantity recorded today (the newest event, but not the furthest stage).
    page.click("[data-testid=production-order-link]:has-text('MO-4435-1')")
    page.wait_for_selector("#stage")
    assert page.input_value("#stage") == "finishing"
    page.select_option("#stage", "cut")
    page.fill("#quantity", "2100")
    page.click("[data-testid=record-milestone]")
    # A stage earlier than one recorded is asked about (a correction is meant here): yes, record it.
    page.click("[data-testid=question-yes]")
    page.wait_for_selector("[data-testid=milestone-saved]:has-text('Cut recorded')")
    assert page.input_value("#stage") == "finishing"


def test_list_and_tally_fit_360px_for_the_readme(browser, demo_app):
    """The README's pictures of the list and the tally (saved as artifacts; pwa/screenshots holds copies)."""
    import os

    from helpers import ARTIFACTS

    base, _app = demo_app
    context = browser.new_context(**{**PIXEL_7, "viewport": {"width": 360, "height": 780}, "device_scale_factor": 1},
                                  service_workers="allow")
    try:
        page = context.new_page()
        _login(page, base)
        page.click("[data-testid=new-inspection]")
        page.wait_for_selector("#production_order_id")
        page.select_option("#production_order_id", index=1)
        page.click("[data-testid=start]")
        page.wait_for_selector(".library .defect-type")
        library = page.evaluate(LIBRARY_CODES)
        for code, cls, times in ((library[0], "minor", 2), (library[2], "major", 1), (library[0], "minor", 1)):
            for _ in range(times):
                before = int(page.inner_text(f"[data-testid=count-{cls}]"))
                page.click(f"[data-testid=tally-{code}-{cls}]")
                wait_until(page, f"() => document.querySelector('[data-testid=count-{cls}]')?.textContent === '{before + 1}'")
                page.wait_for_selector(f"[data-testid=recorded-{code}]")
        os.makedirs(ARTIFACTS, exist_ok=True)
        wait_synced(page, timeout=30)
        page.evaluate("() => window.scrollTo(0, 0)")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        page.screenshot(path=os.path.join(ARTIFACTS, "readme-tally.png"))
        page.click("[data-testid=nav-inspections]")
        page.wait_for_selector("[data-testid=open-list]")
        _settled(page)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        page.screenshot(path=os.path.join(ARTIFACTS, "readme-inspections.png"))
    finally:
        context.close()


def test_a_synced_change_stays_on_screen_until_the_pull_brings_it_back(phone, live_app):
    """Between a push's answer and the pull after it (photos upload in between) the tapped defects, and the
    inspection itself, vanished from the screens; a tap then sent the inspector back to the list."""

    import world
    from helpers import login, pending

    base, _app = live_app
    page = phone.new_page()
    login(page, base)
    wait_synced(page)
    page.goto(base + f"/#/inspection/{world.INSPECTION_A}")
    page.wait_for_selector("[data-testid=tally-WKM-001-minor]")
    before = int(page.inner_text("[data-testid=count-minor]"))
    held = []
    pulls = re.compile(r"/api/v1/sync/pull\?")
    page.route(pulls, lambda route: held.append(route))  # the pulls wait until the test lets them go
    # Polling IndexedDB here would starve the sync's own transactions: wait for the pull's request instead.
    with page.expect_request(pulls, timeout=15_000):
        page.click("[data-testid=tally-WKM-001-minor]")
        wait_until(page, f"() => document.querySelector('[data-testid=count-minor]')?.textContent === '{before + 1}'")
        page.evaluate("() => { import('/js/sync.js').then((sync) => sync.syncNow()); }")
    assert pending(page) == 0  # pushed and acknowledged, not pulled back
    shown = page.evaluate("""async (id) => {
        const db = await import('/js/db.js');
        const defects = [...(await db.records('inspection_defect')).values()].filter((d) => d.inspection_id === id);
        const minor = defects.filter((d) => d.severity === 'minor').length;
        return { inspection: (await db.records('inspection')).has(id), minor };
    }""", str(world.INSPECTION_A))
    assert shown == {"inspection": True, "minor": before + 1}
    page.click("[data-testid=tally-WKM-001-minor]")
    wait_until(page, f"() => document.querySelector('[data-testid=count-minor]')?.textContent === '{before + 2}'")
    assert f"#/inspection/{world.INSPECTION_A}" in page.url

    for route in held:
        route.continue_()
    page.unroute(pulls)
    wait_synced(page)
    assert page.inner_text("[data-testid=count-minor]") == str(before + 2)
