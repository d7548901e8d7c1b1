"""Analytics figures against values worked out by hand from tests/fixtures/analytics_data.py.

The data set has a re-inspection (I3 of I2), a cancelled inspection (I5), an
inspection with no defects (I3), a deleted defect, an inspection covering three
styles of two categories (I7), and a month, quarter and week boundary between
I2 (March 31st, 23:30 UTC) and I3 (April 1st, 00:10 UTC).
"""

from __future__ import annotations

import pytest
import world
from fixtures import analytics_data as data
from fixtures.analytics_data import I

A, B = str(world.FACTORY_A), str(world.FACTORY_B)


@pytest.fixture
def api(app, login_as):
    with app.app_context():
        data.build()
    return login_as


def _get(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _by_key(answer):
    return {row["key"]: row for row in answer["rows"]}


def test_totals_count_finalized_inspections_only(api):
    answer = _get(api("manager"), "/api/v1/analytics/pass-rates?group_by=factory")
    # I1, I2, I3, I4, I7 (I5 cancelled; world's A in progress, B planned).
    assert answer["totals"] == {
        "inspections": 5, "passed": 3, "failed": 2, "pass_rate": 0.6,
        "original_inspections": 4, "original_passed": 2, "first_time_pass_rate": 0.5, "reinspections": 1,
        # 80 + 80 + 50 + 125 (I4's largest class) + 50
        "units_inspected": 385,
        # 3 + 4 + 0 + 1 (the deleted one left out) + 2
        "defects": 10, "dhu": round(1000 / 385, 4),
    }


def test_by_factory(api):
    rows = _by_key(_get(api("manager"), "/api/v1/analytics/pass-rates?group_by=factory"))
    assert set(rows) == {A, B}
    a = rows[A]
    assert (a["label"], a["inspections"], a["passed"], a["pass_rate"]) == ("Factory A", 3, 2, round(2 / 3, 4))
    # The re-inspection I3 passed, but first time only I1 of I1 and I2 did.
    assert (a["original_inspections"], a["original_passed"], a["first_time_pass_rate"]) == (2, 1, 0.5)
    assert (a["units_inspected"], a["defects"], a["dhu"]) == (210, 7, round(700 / 210, 4))
    b = rows[B]
    assert (b["inspections"], b["passed"], b["first_time_pass_rate"], b["units_inspected"], b["defects"]) == (
        2, 1, 0.5, 175, 3)
    # Factory A's trend by month: March (I1, I2), April (I3).
    assert [(p["period_start"], p["period_end"], p["inspections"], p["passed"], p["defects"]) for p in a["trend"]] == [
        ("2026-03-01", "2026-04-01", 2, 1, 7), ("2026-04-01", "2026-05-01", 1, 1, 0)]


def test_period_boundaries(api):
    manager = api("manager")
    months = _get(manager, "/api/v1/analytics/pass-rates?group_by=period&period=month")["rows"]
    assert [(r["key"], r["inspections"], r["passed"], r["units_inspected"], r["defects"], r["dhu"]) for r in months] == [
        ("2026-03-01", 2, 1, 160, 7, 4.375), ("2026-04-01", 3, 2, 225, 3, round(300 / 225, 4))]
    quarters = _get(manager, "/api/v1/analytics/pass-rates?group_by=period&period=quarter")["rows"]
    assert [(r["key"], r["period_end"], r["inspections"]) for r in quarters] == [
        ("2026-01-01", "2026-04-01", 2), ("2026-04-01", "2026-07-01", 3)]
    # Weeks start on Monday: I2 (Tue 31 March) and I3 (Wed 1 April) share one; I7 (Monday 20 April) starts its own.
    weeks = _get(manager, "/api/v1/analytics/pass-rates?group_by=period&period=week")["rows"]
    assert [(r["key"], r["period_end"], r["inspections"], r["passed"]) for r in weeks] == [
        ("2026-03-09", "2026-03-16", 1, 1), ("2026-03-30", "2026-04-06", 2, 1),
        ("2026-04-13", "2026-04-20", 1, 1), ("2026-04-20", "2026-04-27", 1, 0)]
    # date_to is inclusive of the whole day (UTC): I2 at 23:30 on the 31st is in.
    march = _get(manager, "/api/v1/analytics/pass-rates?group_by=period&date_to=2026-03-31")["totals"]
    assert (march["inspections"], march["defects"]) == (2, 7)
    april = _get(manager, "/api/v1/analytics/pass-rates?group_by=period&date_from=2026-04-01")["totals"]
    assert (april["inspections"], april["defects"]) == (3, 3)


def test_by_style_and_category_count_an_inspection_once_per_key(api):
    manager = api("manager")
    styles = {r["label"]: r for r in _get(manager, "/api/v1/analytics/pass-rates?group_by=style")["rows"]}
    assert {k: (r["inspections"], r["passed"], r["original_inspections"], r["original_passed"],
                r["units_inspected"], r["defects"]) for k, r in styles.items()} == {
        "ST-1 Crew tee": (4, 2, 3, 1, 260, 9),   # I1 I2 I3 I7
        "ST-2 Chino": (2, 1, 2, 1, 175, 3),      # I4 I7
        "ST-3 Polo": (1, 0, 1, 0, 50, 2),        # I7
    }
    categories = _by_key(_get(manager, "/api/v1/analytics/pass-rates?group_by=category"))
    # I7 has two knit styles, and counts once for tops_knit.
    assert {k: (r["inspections"], r["defects"]) for k, r in categories.items()} == {
        "tops_knit": (4, 9), "bottoms_woven": (2, 3)}
    filtered = _get(manager, "/api/v1/analytics/pass-rates?group_by=factory&category=bottoms_woven")["totals"]
    assert (filtered["inspections"], filtered["defects"]) == (2, 3)
    by_style = _get(manager, f"/api/v1/analytics/pass-rates?group_by=factory&style_id={data.ST3}")["totals"]
    assert by_style["inspections"] == 1


def test_by_type_and_inspector(api):
    manager = api("manager")
    types = _by_key(_get(manager, "/api/v1/analytics/pass-rates?group_by=type"))
    assert {k: (r["inspections"], r["passed"]) for k, r in types.items()} == {"final": (4, 2), "inline": (1, 1)}
    inspectors = {r["label"]: r["inspections"] for r in
                  _get(manager, "/api/v1/analytics/pass-rates?group_by=inspector")["rows"]}
    assert inspectors == {"Inspector A": 3, "Inspector B": 1, "(no inspector)": 1}
    only_inline = _get(manager, "/api/v1/analytics/pass-rates?inspection_type=inline")["totals"]
    assert (only_inline["inspections"], only_inline["units_inspected"]) == (1, 125)


def test_defect_pareto(api):
    answer = _get(api("designer"), "/api/v1/analytics/defect-pareto")
    assert answer["total_defects"] == 10 and answer["other_defects"] == 0
    assert [(r["code"], r["count"], r["critical"], r["major"], r["minor"], r["share"], r["cumulative_share"])
            for r in answer["rows"]] == [
        ("WKM-001", 7, 1, 6, 0, 0.7, 0.7),    # I1 2, I2 4, I7 1 (I5 cancelled, I4's deleted, world's in progress out)
        ("FAB-001", 3, 0, 1, 2, 0.3, 1.0)]    # I1, I4, I7
    top_one = _get(api("manager"), "/api/v1/analytics/defect-pareto?limit=1")
    assert (len(top_one["rows"]), top_one["other_defects"]) == (1, 3)


def test_rejected_lots_with_reasons(api):
    answer = _get(api("manager"), "/api/v1/analytics/rejected-lots")
    assert answer["total"] == 2
    assert [r["id"] for r in answer["rows"]] == [str(I["I7"]), str(I["I2"])]
    i7, i2 = answer["rows"]
    assert i7["reason"] == "Critical: 1 defect found (AQL 0), rejected at 1 in a sample of 50"
    assert i2["reason"] == "Major: 4 defects found (AQL 2.5), rejected at 4 in a sample of 80"
    assert i2["defects"] == {"critical": 0, "major": 4, "minor": 0}
    second_page = _get(api("manager"), "/api/v1/analytics/rejected-lots?page=2&page_size=1")
    assert [r["id"] for r in second_page["rows"]] == [str(I["I2"])]


def test_drill_down_lists_the_inspections_behind_a_bar(api):
    manager = api("manager")
    behind = _get(manager, f"/api/v1/analytics/inspections?defect_type_id={data.DT2}")
    assert {r["id"] for r in behind["rows"]} == {str(I["I1"]), str(I["I4"]), str(I["I7"])}
    april_a = _get(manager, f"/api/v1/analytics/inspections?factory_id={A}&date_from=2026-04-01&date_to=2026-04-30")
    assert [r["id"] for r in april_a["rows"]] == [str(I["I3"])]
    assert april_a["rows"][0]["reinspection_of_id"] == str(I["I2"])


def test_scorecard(api):
    card = _get(api("manager"), f"/api/v1/analytics/factories/{A}/scorecard")
    assert card["factory"]["name"] == "Factory A"
    assert (card["totals"]["inspections"], card["totals"]["defects"], card["totals"]["first_time_pass_rate"]) == (3, 7, 0.5)
    assert [p["period_start"] for p in card["trend"]] == ["2026-03-01", "2026-04-01"]
    assert [(d["code"], d["count"]) for d in card["top_defects"]["rows"]] == [("WKM-001", 6), ("FAB-001", 1)]
    assert [r["id"] for r in card["last_inspections"]] == [str(I["I3"]), str(I["I2"]), str(I["I1"])]
    assert card["switching"]["state"] == "normal" and card["switching"]["reason"]
    # One shipped on time, one late, one overdue (planned for January, never shipped).
    assert card["deliveries"] == {"shipped": 2, "on_time": 1, "late": 1, "on_time_rate": 0.5, "overdue": 1}


def test_switching_states_name_the_reason(api):
    rows = _get(api("manager"), "/api/v1/analytics/switching")["rows"]
    assert {r["factory_code"] for r in rows} == {"FA", "FB"}
    fb = next(r for r in rows if r["factory_code"] == "FB")
    assert set(fb["classes"]) == {"critical", "major", "minor"}
    assert fb["classes"]["critical"]["lots"] == 2  # I4 and I7: originals, cancelled I5 left out
    assert all(r["state"] in ("normal", "tightened", "reduced", "discontinued") and r["reason"] for r in rows)


# --- who sees what --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona, factory, inspections", [("inspector_b", B, 2), ("factory_a", A, 3)])
def test_field_staff_get_their_own_factories_figures_only(api, persona, factory, inspections):
    client = api(persona)
    answer = _get(client, "/api/v1/analytics/pass-rates?group_by=factory")
    assert [r["key"] for r in answer["rows"]] == [factory]
    assert answer["totals"]["inspections"] == inspections
    # Asking for another factory's figures gives nothing, not that factory's numbers.
    other = A if factory == B else B
    assert _get(client, f"/api/v1/analytics/pass-rates?factory_id={other}")["totals"]["inspections"] == 0
    assert _get(client, f"/api/v1/analytics/inspections?factory_id={other}")["total"] == 0
    assert {r["factory_id"] for r in _get(client, "/api/v1/analytics/rejected-lots")["rows"]} <= {factory}
    assert [r["factory_id"] for r in _get(client, "/api/v1/analytics/switching")["rows"]] == [factory]
    pareto_total = _get(client, "/api/v1/analytics/defect-pareto")["total_defects"]
    assert pareto_total == (7 if factory == A else 3)
    _get(client, f"/api/v1/analytics/factories/{other}/scorecard", status=404)
    _get(client, f"/api/v1/analytics/factories/{factory}/scorecard")


def test_designers_get_defect_analytics_only(api):
    designer = api("designer")
    _get(designer, "/api/v1/analytics/defect-pareto")
    _get(designer, "/api/v1/analytics/inspections")
    for path in ("pass-rates", "rejected-lots", "switching", f"factories/{A}/scorecard"):
        assert designer.get(f"/api/v1/analytics/{path}").status_code == 403


# --- bad arguments --------------------------------------------------------------------------------


@pytest.mark.parametrize("query, field", [
    ("colour=red", "colour"),
    ("group_by=planet", "group_by"),
    ("period=fortnight", "period"),
    ("date_from=2026-05-01&date_to=2026-04-01", "date_to"),
    ("date_from=2026-13-01", "date_from"),
    ("factory_id=not-a-uuid", "factory_id"),
    ("category=hats", "category"),
])
def test_bad_filters_are_400_naming_the_parameter(api, query, field):
    response = api("manager").get(f"/api/v1/analytics/pass-rates?{query}")
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("query, field", [("page_size=101", "page_size"), ("page=0", "page"),
                                          ("page_size=0", "page_size")])
def test_oversized_or_impossible_pages_are_400(api, query, field):
    for path in ("rejected-lots", "inspections"):
        response = api("manager").get(f"/api/v1/analytics/{path}?{query}")
        assert response.status_code == 400
        assert field in response.get_json()["error"]["fields"]


def test_openapi_documents_the_figures(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/analytics/pass-rates" in spec["paths"]
    parameters = {p["name"] for p in spec["paths"]["/api/v1/analytics/pass-rates"]["get"]["parameters"]}
    assert {"group_by", "period", "date_from", "date_to", "factory_id", "style_id", "category"} <= parameters
