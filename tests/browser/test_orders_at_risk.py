"""The managers' orders at risk in the app (issue 16): an order whose sewing has not started on plan is listed
with its slipping stage, the reason carried from the late fabric, and the delay reasons' shares.

Asks for live_app before the browser context, so it closes before the server stops.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import world
from apps import ApiClient
from helpers import assert_accessible, login


def _day(offset: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()


def _late_order(app):
    manager, factory = ApiClient(app.test_client()), ApiClient(app.test_client())
    assert manager.login(world.PERSONAS["manager"][0], world.PASSWORD).status_code == 200
    assert factory.login(world.PERSONAS["factory_a"][0], world.PASSWORD).status_code == 200
    plan = {"fabric_received": _day(-20), "trims_received": _day(-15), "cut": _day(-10), "sewing": _day(-3),
            "finishing": _day(10), "packed": _day(25), "shipped": _day(30)}
    assert manager.patch(f"/api/v1/production-orders/{world.PROD_ORDER_A}", json={
        "stage_plan": plan, "ex_factory_date": _day(30), "purchase_order_line_id": str(world.PO_LINE_A)}).status_code == 200
    assert factory.post("/api/v1/milestone-events", json={
        "production_order_id": str(world.PROD_ORDER_A), "stage": "fabric_received", "quantity": 1000,
        "occurred_on": _day(-14), "delay_reason": "late_fabric"}).status_code == 201


def test_a_manager_sees_the_order_at_risk_and_why(live_app, browser):
    base, app = live_app
    _late_order(app)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        page = context.new_page()
        login(page, base, "manager", home="[data-testid=nav-orders]")
        page.click("[data-testid=nav-orders]")
        page.click("[data-testid=orders-at-risk-link]")
        row = page.wait_for_selector("[data-testid=risk-table] tbody tr")
        text = row.inner_text()
        assert "MO-A-1" in text and "Sewing" in text and "Late fabric" in text and "4,250 USD" in text
        assert page.inner_text("[data-testid=risk-days]") == "3"
        assert "Late fabric: 50.0%" in page.inner_text("[data-testid=risk-reasons]")
        page.click("[data-testid=risk-sort-value]")
        page.wait_for_selector("[data-testid=risk-sort-value][aria-current=true]")
        assert_accessible(page, "orders at risk")
        # The dashboard and the factory's scorecard: milestones reached on their day, and why the others were not.
        page.goto(base + "/#/dashboard")
        table = page.wait_for_selector("[data-testid=milestone-punctuality-table]")
        assert "Factory A" in table.inner_text() and "50.0%" in table.inner_text()  # fabric late, cut on time
        assert "Late fabric: 100.0%" in page.inner_text("[data-testid=dashboard-delay-reasons]")
        page.goto(base + f"/#/factory/{world.FACTORY_A}")
        card = page.wait_for_selector("[data-testid=milestone-punctuality]")
        wait_text = "(1 of 2)"
        page.wait_for_selector(f"[data-testid=milestone-punctuality] >> text={wait_text}")
        assert "Late fabric" in card.inner_text()

        # On a 360 px phone, in each language: the page never scrolls sideways, every navigation link is in sight
        # (the bar wraps), and the table scrolls in its own box with the order column staying in view.
        page.set_viewport_size({"width": 360, "height": 780})
        for lang in ("en", "zh", "vi"):
            page.evaluate("async (l) => (await import('/js/language.js')).chooseLanguage(l)", lang)
            page.goto(base + "/#/orders/at-risk")
            page.reload()
            page.wait_for_selector("[data-testid=risk-table] tbody tr")
            assert page.evaluate("() => document.documentElement.lang") == lang
            assert _fits(page), lang
            hidden_links = page.eval_on_selector_all(
                "#app-nav a", "(links) => links.filter((a) => a.getBoundingClientRect().right > innerWidth + 1)"
                               ".map((a) => a.textContent)")
            assert hidden_links == [], (lang, hidden_links)
            wrap_left, order_left = page.evaluate("""() => {
                const wrap = document.querySelector('[data-testid=risk-table]').closest('.table-wrap');
                wrap.scrollLeft = wrap.scrollWidth;
                return [wrap.getBoundingClientRect().left,
                        document.querySelector('[data-testid=risk-order-link]').getBoundingClientRect().left];
            }""")
            assert page.evaluate("() => document.querySelector('.table-wrap').scrollLeft") > 0, lang
            assert wrap_left <= order_left < wrap_left + 20, (lang, wrap_left, order_left)
            page.goto(base + "/#/dashboard")
            page.wait_for_selector("[data-testid=milestone-punctuality-table]")
            assert _fits(page), lang
        assert_accessible(page, "orders at risk on a phone")
    finally:
        context.close()


def _fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
