"""A production order's timeline in the app (issue 16): reached from the orders at risk, it shows planned against
actual per stage, the projected ship date against the ex-factory date and the late stages with their reason; a
manager moves sewing's planned day there and sees the projection and the order's history change (there and on its
purchase order's page); and the screen fits a 360 px phone.

Asks for live_app before the browser context, so it closes before the server stops.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import world
from apps import ApiClient
from helpers import assert_accessible, login, save_screenshot

SEWING_PLANNED, SEWING_REPLANNED = -3, 5


def _day(offset: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()


def _plan_with_late_fabric(app):
    """Ex-factory in 30 days; fabric came 6 days late, sewing was due 3 days ago and has not started."""
    manager, factory = ApiClient(app.test_client()), ApiClient(app.test_client())
    assert manager.login(world.PERSONAS["manager"][0], world.PASSWORD).status_code == 200
    assert factory.login(world.PERSONAS["factory_a"][0], world.PASSWORD).status_code == 200
    plan = {"fabric_received": _day(-20), "cut": _day(-10), "sewing": _day(SEWING_PLANNED), "finishing": _day(10),
            "packed": _day(25), "shipped": _day(30)}
    assert manager.patch(f"/api/v1/production-orders/{world.PROD_ORDER_A}", json={
        "stage_plan": plan, "ex_factory_date": _day(30)}).status_code == 200
    assert factory.post("/api/v1/milestone-events", json={
        "production_order_id": str(world.PROD_ORDER_A), "stage": "fabric_received", "quantity": 1000,
        "occurred_on": _day(-14), "delay_reason": "late_fabric"}).status_code == 201


def _formatted(page, day: str) -> str:
    return page.evaluate("async (d) => (await import('/js/i18n.js')).formatDay(d)", day)


def test_a_manager_reads_the_timeline_and_replans_a_stage(live_app, browser):
    base, app = live_app
    _plan_with_late_fabric(app)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        page = context.new_page()
        login(page, base, "manager", home="[data-testid=nav-orders]")
        page.goto(base + "/#/orders/at-risk")
        page.click("[data-testid=risk-order-link]")
        page.wait_for_selector("[data-testid=timeline-stages]")
        assert "MO-A-1" in page.inner_text("[data-testid=timeline-title]")
        assert page.inner_text("[data-testid=timeline-ex-factory]") == _formatted(page, _day(30))
        assert page.inner_text("[data-testid=timeline-projected]") == _formatted(page, _day(33))
        verdict = page.inner_text("[data-testid=timeline-verdict]")
        assert "3 days after the ex-factory date" in verdict and "Sewing: Late fabric" in verdict
        fabric = page.inner_text("[data-testid=stage-fabric_received]")
        assert _formatted(page, _day(-20)) in fabric and _formatted(page, _day(-14)) in fabric
        assert "Late fabric" in fabric
        assert page.inner_text("[data-testid=stage-sewing] [data-testid=stage-days-late]") == "3"
        assert "Not reached" in page.inner_text("[data-testid=stage-sewing]")
        assert page.get_attribute("[data-testid=stage-sewing]", "class") == "late"
        # Planned and actual marks on one axis: fabric's actual mark right of its planned one.
        planned, actual = page.eval_on_selector_all(
            "[data-testid=stage-fabric_received] .track .mark.planned, [data-testid=stage-fabric_received] .track .mark.actual",
            "(marks) => marks.map((m) => m.getBoundingClientRect().left)")
        assert actual > planned
        assert_accessible(page, "production order timeline")
        save_screenshot(page, "production-order-timeline", full_page=True)

        # Sewing moved to five days ahead: nothing is due unreached, the order ships on its ex-factory date.
        assert page.input_value("#plan-sewing") == _day(SEWING_PLANNED)
        page.fill("#plan-sewing", _day(SEWING_REPLANNED))
        page.click("[data-testid=save-plan]")
        page.wait_for_selector("[data-testid=plan-saved]")
        assert page.inner_text("[data-testid=timeline-projected]") == _formatted(page, _day(30))
        assert page.inner_text("[data-testid=timeline-verdict]") == "Projected to ship by the ex-factory date."
        assert page.input_value("#plan-sewing") == _day(SEWING_REPLANNED)

        # Its history names the changed stage with its old and new day, and only that stage; so does its purchase
        # order's. In words, not database terms: field labels, stages and reasons by name, days formatted.
        moved = (f"Planned dates: Sewing {_formatted(page, _day(SEWING_PLANNED))}"
                 f" → Sewing {_formatted(page, _day(SEWING_REPLANNED))}")
        newest = page.inner_text("[data-testid=history-entry]")
        assert "Changed: Production order MO-A-1" in newest and "Manager" in newest
        assert moved in newest and "Finishing" not in newest
        history = page.inner_text("[data-testid=order-history]")
        assert "Created: Milestone MO-A-1 · Fabric received" in history
        assert "Reason for delay: Late fabric" in history and f"Date: {_formatted(page, _day(-14))}" in history
        # The seed's booking: its tech pack and inspector by name, its sampling plan in words.
        assert "Created: Inspection MO-A-1 · Final random" in history
        assert "Tech pack version: ST-1 v1" in history and "Inspector: Inspector A" in history
        assert "Major: Inspect 80 units, Ac 5 · Re 6" in history and "Counted as: Nonconformities" in history
        raw = [word for word in ("stage_plan", "delay_reason", "late_fabric", "tech_pack_version_id", "code_letter",
                                 "[object Object]") if word in history]
        assert raw == [] and not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", history), history
        page.click("[data-testid=timeline-order-link]")
        on_order_page = page.wait_for_selector("[data-testid=history-entry]").text_content()
        assert moved in on_order_page and "MO-A-1" in on_order_page and "Finishing" not in on_order_page
        # Back to the timeline from the order's production orders; on a 360 px phone it fits without scrolling.
        page.set_viewport_size({"width": 360, "height": 780})
        page.click("[data-testid=production-order-timeline]")
        page.wait_for_selector("[data-testid=timeline-stages]")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        # Every value of a late stage in sight, its reason too: no sideways scrolling to find why.
        cells = page.eval_on_selector_all("[data-testid=stage-fabric_received] td:not(.track-cell)",
                                          "(cells) => cells.map((c) => [c.textContent, c.getBoundingClientRect().right])")
        assert cells[-1][0] == "Late fabric" and all(right <= 360 for _text, right in cells), cells
        assert_accessible(page, "production order timeline on a phone")
        save_screenshot(page, "production-order-timeline-phone", full_page=True)
    finally:
        context.close()
