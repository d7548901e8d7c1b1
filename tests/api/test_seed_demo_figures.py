"""The demo data makes the managers' figures meaningful: one factory improving, one declining, one on
tightened inspection, and figures for every factory, month and defect type."""

from __future__ import annotations

from datetime import date, timedelta

TODAY = date(2026, 11, 23)


def test_demo_dashboard_tells_a_story(empty_app):
    from server.seed.demo import DECLINING_FACTORY, DEMO_PASSWORD, IMPROVING_FACTORY, STRUGGLING_FACTORY, seed_demo

    with empty_app.app_context():
        seed_demo(today=TODAY)
    client = empty_app.test_client()
    assert client.post("/api/v1/auth/login", json={"email": "manager@seamline.example",
                                                   "password": DEMO_PASSWORD}).status_code == 200

    def ftpr_by_factory(start, end):
        answer = client.get(f"/api/v1/analytics/pass-rates?group_by=factory&date_from={start}&date_to={end}").get_json()
        return {row["label"]: row["first_time_pass_rate"] for row in answer["rows"]}, answer["rows"]

    first_half, rows = ftpr_by_factory(TODAY - timedelta(days=182), TODAY - timedelta(days=92))
    second_half, _ = ftpr_by_factory(TODAY - timedelta(days=91), TODAY)
    codes = {r["factory_code"]: r for r in client.get("/api/v1/analytics/switching").get_json()["rows"]}
    names = {r["factory_code"]: r["factory_name"] for r in codes.values()}
    improving, declining = names[IMPROVING_FACTORY], names[DECLINING_FACTORY]
    print({n: (first_half.get(n), second_half.get(n)) for n in names.values()})
    assert second_half[improving] > first_half[improving]
    assert second_half[declining] < first_half[declining]
    tightened = {r["factory_code"] for r in codes.values() if r["state"] in ("tightened", "discontinued")}
    assert STRUGGLING_FACTORY in tightened
    struggling = next(r for r in codes.values() if r["factory_code"] == STRUGGLING_FACTORY)
    assert "rejected" in struggling["reason"] or "not accepted" in struggling["reason"]
    months = client.get("/api/v1/analytics/pass-rates?group_by=period&period=month").get_json()["rows"]
    assert len(months) >= 6 and all(m["inspections"] > 0 for m in months)
    pareto = client.get("/api/v1/analytics/defect-pareto").get_json()
    assert pareto["total_defects"] > 100 and len(pareto["rows"]) == 10
    assert client.get("/api/v1/analytics/rejected-lots").get_json()["total"] > 5
