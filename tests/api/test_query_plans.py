"""No endpoint makes PostgreSQL read a large table whole when it needs only part of it (tests/explain.py).

On a database of tens of thousands of inspections over 50 factories (tests/fixtures/large_data.py), the
test calls, as a manager, an admin and an inspector scoped to one factory: a phone's sync (first pull,
next page, a small push, a pull skipping echoes, rejections, conflicts), and every GET collection route
in the app's URL map, bare and paged, and, as the manager, with each query parameter its OpenAPI
description declares. A new
list route is covered as soon as it is in the map; a new query parameter needs a sample value in
SAMPLES (the test says so). Routes with a path argument are listed in WITH_ARGUMENTS. Every SELECT they
ran is explained with its own parameters.
"""

from __future__ import annotations

import time
import uuid
from urllib.parse import urlencode

import pytest
import world
from apps import ApiClient, dispose, make_app
from explain import captured_selects, seq_scans_of_large_tables
from sqlalchemy import select

from server.extensions import db

PERSONAS = ("manager", "admin", "inspector_a")
# Driven explicitly below: they need a client id and a cursor.
SYNC_ROUTES = {"/api/v1/sync/pull", "/api/v1/sync/conflicts", "/api/v1/sync/rejections"}
CLIENT_ID = "explain-phone-0001"


def _samples(data: dict) -> dict[str, list]:
    """Values to try for each query parameter name (enumerations try every value of their own)."""
    return {
        "page": [2], "page_size": [10], "limit": [5],
        "factory_id": [data["factory"]], "inspection_id": [data["inspection"]], "style_id": [data["style"]],
        "defect_type_id": [data["defect_type"]], "defect_id": [data["defect"]], "inspector_id": [data["inspector"]],
        "purchase_order_id": [data["purchase_order"]], "production_order_id": [data["production_order"]],
        "milestone_event_id": [data["milestone"]], "sha256": [data["sha256"]], "user_id": [data["inspector"]],
        "tech_pack_version_id": [str(world.TECH_PACK)],
        "date_from": ["2026-01-01"], "date_to": ["2026-03-31"],
        "active": ["true"], "country": ["VN"], "season": ["SS26"], "category": ["tops_knit"],
        "product_category": ["tops_knit"], "inspection_type": ["final"], "severity": ["minor"],
        "status": ["finalized"], "stage": ["sewing"], "size": ["M"],
        "lot_size": ["3000"], "aql": ["2.5"], "level": ["II"], "inspection": ["normal"],
        "corrective_action_id": [str(world.CORRECTIVE_ACTION_A)], "overdue": ["true", "false"],
        "fix_tech_pack_version_id": [str(world.TECH_PACK)], "review_id": [str(world.DEFECT_REVIEW_A)],
        "endpoint_id": [str(world.WEBHOOK)],
    }


# Known to read whole tables, with the reason; each is a named follow-up, never a silent pass
# ({rule: reason}; empty since the design-review queue reads its rollup of defect groups).
KNOWN_WHOLE_READS: dict[str, str] = {}

# Routes with a path argument: the argument to call them with (from the large data set).
WITH_ARGUMENTS = {
    "/api/v1/analytics/factories/<uuid:factory_id>/scorecard": lambda data: {"factory_id": data["factory"]},
    "/api/v1/factories/<uuid:record_id>/switching": lambda data: {"record_id": data["factory"]},
    "/api/v1/design-review/styles/<uuid:record_id>/history": lambda data: {"record_id": data["style"]},
    "/api/v1/factories/<uuid:record_id>/inspectors": lambda data: {"record_id": data["factory"]},
    "/api/v1/production-orders/<uuid:record_id>/history": lambda data: {"record_id": data["production_order"]},
}


def _collection_routes(app) -> dict[str, str]:
    """GET routes of the API without a path argument, plus WITH_ARGUMENTS: {rule: path to call}."""
    return {rule.rule: rule.rule for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and rule.rule.startswith("/api/v1/") and not rule.arguments
            and rule.rule not in SYNC_ROUTES}


def _query_parameters(spec: dict, path: str) -> list[dict]:
    openapi_path = path
    for name in ("factory_id", "record_id"):
        openapi_path = openapi_path.replace(f"<uuid:{name}>", "{" + name + "}")
    get = spec["paths"].get(openapi_path, {}).get("get", {})
    return [p for p in get.get("parameters", []) if p.get("in") == "query"]


def _calls(spec: dict, path: str, samples: dict[str, list], rule: str) -> list[str]:
    """The path bare (required parameters only), paged, and with each optional parameter in turn."""
    parameters = _query_parameters(spec, rule)
    missing = [p["name"] for p in parameters if p["name"] not in samples and not p["schema"].get("enum")]
    assert not missing, f"{path}: add sample values for query parameters {missing} to SAMPLES"
    values = {p["name"]: p["schema"].get("enum") or samples[p["name"]] for p in parameters}
    required = {p["name"]: values[p["name"]][0] for p in parameters if p.get("required")}
    calls = [dict(required)]
    if "page" in values:
        calls.append({**required, "page": 2, "page_size": 10})
    # An export streams every row it selects: its filters are tried within one quarter, to keep the test quick.
    window = {name: samples[name][0] for name in ("date_from", "date_to") if name in values} if ".csv" in rule else {}
    for p in parameters:
        if p.get("required") or p["name"] in ("page", "page_size"):
            continue
        calls.extend({**required, **window, p["name"]: value} for value in values[p["name"]])
    return [path + ("?" + urlencode(query) if query else "") for query in calls]


def _sample_data() -> dict:
    from server.models import (
        Factory,
        Inspection,
        InspectionDefect,
        InspectionItem,
        MilestoneEvent,
        Photo,
        PurchaseOrder,
    )

    factory = db.session.scalar(select(Factory.id).where(Factory.code == "LF07"))
    inspection = db.session.scalar(select(Inspection).where(Inspection.factory_id == world.FACTORY_A,
                                                            Inspection.status == "finalized").limit(1))
    defect = db.session.scalar(select(InspectionDefect).where(InspectionDefect.factory_id == world.FACTORY_A).limit(1))
    milestone = db.session.scalar(select(MilestoneEvent).where(MilestoneEvent.factory_id == world.FACTORY_A).limit(1))
    return {
        "factory": str(factory), "inspection": str(inspection.id), "inspector": str(inspection.inspector_id),
        "style": str(db.session.scalar(select(InspectionItem.style_id).where(
            InspectionItem.inspection_id == inspection.id))),
        "defect": str(defect.id), "defect_type": str(defect.defect_type_id),
        "purchase_order": str(db.session.scalar(select(PurchaseOrder.id).where(
            PurchaseOrder.factory_id == world.FACTORY_A).limit(1))),
        "production_order": str(milestone.production_order_id), "milestone": str(milestone.id),
        "sha256": db.session.scalar(select(Photo.sha256).where(Photo.factory_id == world.FACTORY_A).limit(1)),
    }


def _sync(phone: ApiClient, capture, label: str) -> None:
    """A phone's sync: first pull, its next page, a small push, a pull skipping its echoes, its issues."""
    base = {"client_id": CLIENT_ID if label == "inspector_a" else f"{CLIENT_ID}-{label}",
            "protocol_version": 1, "schema_version": 1}

    def get(path, **query):
        capture.label = f"GET {path} as {label}"
        response = phone.get(f"{path}?{urlencode({**base, **query})}")
        assert response.status_code == 200, (path, response.get_data(as_text=True))
        return response.get_json()

    first = get("/api/v1/sync/pull", limit=200)
    assert first["has_more"]
    page = get("/api/v1/sync/pull", limit=200, cursor=first["cursor"])
    if label == "inspector_a":
        capture.label = "POST /api/v1/sync/push as inspector_a"
        defect = {"inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE),
                  "severity": "minor", "note": "explained"}
        pushed = phone.post("/api/v1/sync/push", json={**base, "mutations": [
            {"id": 1, "entity": "inspection_defect", "op": "upsert", "record_id": str(uuid.uuid4()),
             "fields": defect, "base_version": None},
            {"id": 2, "entity": "inspection_defect", "op": "upsert", "record_id": str(uuid.uuid4()),
             "fields": {**defect, "severity": "major"}, "base_version": None}]})
        assert pushed.status_code == 200, pushed.get_data(as_text=True)
    get("/api/v1/sync/pull", limit=200, cursor=page["cursor"], skip_echoes="true")
    get("/api/v1/sync/rejections")
    capture.label = f"GET /api/v1/sync/conflicts as {label}"
    assert phone.get("/api/v1/sync/conflicts").status_code == 200


def test_no_endpoint_reads_a_large_table_whole_without_need(backend, templates, tmp_path):
    if backend != "postgresql":
        pytest.skip("the plans are PostgreSQL's")
    from fixtures.large_data import SEED, build

    app = make_app(templates.copy(backend, "world"), tmp_path)
    try:
        with app.app_context():
            started = time.monotonic()
            written = build()
            print(f"\nlarge data set (seed {SEED}) built in {time.monotonic() - started:.1f} s: {written}")
            data = _sample_data()
        samples = _samples(data)
        phones = {}
        for persona in PERSONAS:
            phones[persona] = ApiClient(app.test_client())
            assert phones[persona].login(world.PERSONAS[persona][0], world.PASSWORD).status_code == 200
        spec = phones["admin"].get("/api/v1/openapi.json").get_json()
        routes = _collection_routes(app)
        for rule in KNOWN_WHOLE_READS:
            routes.pop(rule)
        for rule, arguments in WITH_ARGUMENTS.items():
            path = rule
            for name, value in arguments(data).items():
                path = path.replace(f"<uuid:{name}>", value)
            routes[rule] = path
        answered: dict[str, set[int]] = {rule: set() for rule in routes}
        with app.app_context():
            engine = db.engine
        with captured_selects(engine) as capture:
            for persona in ("inspector_a", "manager"):
                _sync(phones[persona], capture, persona)
            for rule, path in routes.items():
                for number, url in enumerate(_calls(spec, path, samples, rule)):
                    # Bare and paged as everyone; each filter as the manager, who sees every factory.
                    for persona, phone in phones.items() if number < 2 else [("manager", phones["manager"])]:
                        capture.label = f"GET {url} as {persona}"
                        response = phone.get(url)
                        body = response.get_data(as_text=True)  # a streamed export runs its queries as it is read
                        response.close()
                        # 403: not their endpoint; 404: a record out of their scope (its existence is not revealed).
                        assert response.status_code in (200, 403, 404), (url, persona, body)
                        answered[rule].add(response.status_code)
        assert [rule for rule, statuses in answered.items() if 200 not in statuses] == []
        print(f"{len(capture.statements)} SELECT statements captured over {len(routes)} routes")
        with engine.connect() as connection:
            problems = seq_scans_of_large_tables(connection, capture.statements)
        assert not problems, f"{len(problems)} statements read a large table whole:\n" + "\n".join(problems)
    finally:
        dispose(app)
