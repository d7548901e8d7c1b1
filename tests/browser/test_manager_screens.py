"""The manager's and designer's screens in Chromium, on a phone (Pixel 7, and 360 px) and a 1366 px laptop:
role-based home, figures beside their charts, a bar opening the inspections behind it, filters kept in the
URL, the factory scorecard, and the last dashboard readable offline with the time it was fetched."""

from __future__ import annotations

import pytest
import world
from fixtures import analytics_data as data
from helpers import PIXEL_7, assert_accessible, save_screenshot, wait_until

FIGURES_READY = "() => document.querySelector('main')?.dataset.figuresReady === 'true'"


@pytest.fixture
def figures_app(live_app):
    base, app = live_app
    with app.app_context():
        data.build()
    return base




def _login(page, base, persona):
    page.goto(base + "/")
    page.fill("#email", world.PERSONAS[persona][0])
    page.fill("#password", world.PASSWORD)
    page.click("button[type=submit]")
    _wait_figures(page)
    try:
        wait_until(page, "() => navigator.serviceWorker.controller !== null", timeout=10)
    except AssertionError:
        page.reload()  # as in helpers.login: the first worker seldom takes the open page
        _wait_figures(page)
        wait_until(page, "() => navigator.serviceWorker.controller !== null")


def _wait_figures(page):
    wait_until(page, FIGURES_READY)


def _go(page, hash_):
    page.evaluate("() => { delete document.querySelector('main').dataset.figuresReady; }")
    page.evaluate("(h) => { location.hash = h; }", hash_)
    _wait_figures(page)


def _no_horizontal_scroll(page):
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def test_manager_dashboard_on_a_phone_and_offline(phone, figures_app):
    base = figures_app
    page = phone.new_page()
    _login(page, base, "manager")
    # A manager lands on the dashboard, not on an empty "My inspections".
    assert page.evaluate("() => location.hash") == "#/dashboard"
    assert page.locator("[data-testid=kpi-ftpr] strong").inner_text() == "50.0%"
    assert page.locator("[data-testid=kpi-pass-rate] strong").inner_text() == "60.0%"
    assert page.locator("[data-testid=kpi-dhu] strong").inner_text() == "2.60"
    assert page.locator("[data-testid=kpi-rejected] strong").inner_text() == "2"
    # Every chart drew, and its numbers are beside it.
    for chart in ("trend-chart", "group-chart", "pareto-chart"):
        assert page.locator(f"[data-testid={chart}] canvas").count() == 1, chart
    factories = page.locator("[data-testid=group-table] tbody tr")
    assert factories.count() == 2
    assert "Tightened" in page.locator("[data-testid=switching-list]").inner_text() or \
        "Normal" in page.locator("[data-testid=switching-list]").inner_text()
    assert "Major: 4 defects found" in page.locator("[data-testid=rejected-list]").inner_text()
    assert_accessible(page, "dashboard")
    _no_horizontal_scroll(page)
    save_screenshot(page, "manager-dashboard-pixel7", full_page=True)

    # A tap on the Pareto's first bar (Broken stitch) opens the inspections where it was found: I1, I2, I7.
    page.locator("[data-testid=pareto-chart]").scroll_into_view_if_needed()
    over = page.locator("[data-testid=pareto-chart] .u-over").bounding_box()
    page.evaluate("() => { delete document.querySelector('main').dataset.figuresReady; }")
    page.mouse.move(over["x"] + over["width"] * 0.25, over["y"] + over["height"] - 4)
    page.mouse.click(over["x"] + over["width"] * 0.25, over["y"] + over["height"] - 4)
    _wait_figures(page)
    assert f"defect_type_id={world.DEFECT_TYPE}" in page.evaluate("() => location.hash")
    assert page.locator("[data-testid=behind-table] tbody tr").count() == 3

    # Filters live in the URL: week periods survive a reload (a bookmark or a shared link).
    _go(page, "#/dashboard?period=week&category=tops_knit")
    assert page.locator("[data-testid=trend-table] tbody tr").count() == 3  # I7's and I1..I3's weeks
    page.reload()
    _wait_figures(page)
    assert page.locator("#period-week").is_checked()
    assert page.locator("#filter-category").input_value() == "tops_knit"

    # The factory scorecard, from the factory table.
    _go(page, "#/dashboard")
    page.evaluate("() => { delete document.querySelector('main').dataset.figuresReady; }")
    page.locator("[data-testid=scorecard-link]", has_text="Factory A").click()
    _wait_figures(page)
    assert "Factory A" in page.locator("[data-testid=scorecard-title]").inner_text()
    assert page.locator("[data-testid=last-inspections] tbody tr").count() == 3
    assert "2 production orders shipped, 1 on or before the planned finish, 1 late; 1 past" in page.inner_text("main")
    assert_accessible(page, "scorecard")
    save_screenshot(page, "manager-scorecard-pixel7", full_page=True)

    # At 360 px nothing scrolls sideways.
    page.set_viewport_size({"width": 360, "height": 780})
    _go(page, "#/dashboard")
    _no_horizontal_scroll(page)
    save_screenshot(page, "manager-dashboard-360", full_page=True)

    # Offline: the last dashboard and scorecard loaded are still there, marked with when they were fetched.
    phone.set_offline(True)
    page.reload()
    _wait_figures(page)
    assert "Offline: figures as fetched on" in page.locator("[data-testid=figures-offline]").inner_text()
    assert page.locator("[data-testid=kpi-ftpr] strong").inner_text() == "50.0%"
    assert page.locator("[data-testid=group-table] tbody tr").count() == 2
    _go(page, f"#/factory/{world.FACTORY_A}")
    assert "Factory A" in page.locator("[data-testid=scorecard-title]").inner_text()
    # Never loaded, so nothing to show, and it says so.
    _go(page, f"#/factory/{world.FACTORY_B}")
    assert "never loaded" in page.locator("[data-testid=figures-offline]").inner_text()


def test_manager_dashboard_on_a_laptop(browser, figures_app):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, service_workers="allow")
    try:
        page = context.new_page()
        _login(page, figures_app, "manager")
        # Charts sit two to a row at 1366 px: the trend and the factory comparison side by side.
        trend = page.locator("[data-testid=trend-chart]").bounding_box()
        groups = page.locator("[data-testid=group-chart]").bounding_box()
        assert abs(trend["y"] - groups["y"]) < 80 and groups["x"] > trend["x"] + trend["width"]
        # Compare by category: I7's two knit styles count once.
        _go(page, "#/dashboard?group_by=category")
        rows = page.locator("[data-testid=group-table] tbody tr")
        assert rows.count() == 2
        assert rows.first.locator("td").first.inner_text() == "4"
        _no_horizontal_scroll(page)
        # The table's CSV has the screen's filters, with the BOM and the same figures.
        href = page.locator("[data-testid=group-table]").locator("xpath=ancestor::section").locator("a.csv").get_attribute("href")
        assert "group_by=category" in href
        csv_body = page.request.get(figures_app + href).body()
        assert csv_body.startswith(b"\xef\xbb\xbfkey,category,inspections")
        assert b"tops_knit,tops_knit,4," in csv_body
        assert_accessible(page, "dashboard laptop")
        save_screenshot(page, "manager-dashboard-1366", full_page=True)
    finally:
        context.close()


def test_designer_lands_on_defect_analytics(browser, figures_app):
    context = browser.new_context(**PIXEL_7, service_workers="allow")
    try:
        page = context.new_page()
        _login(page, figures_app, "designer")
        assert page.evaluate("() => location.hash") == "#/defects"
        table = page.locator("[data-testid=pareto-table] tbody tr")
        assert table.count() == 2
        assert "70.0%" in table.first.inner_text()
        assert_accessible(page, "designer defects")
    finally:
        context.close()
