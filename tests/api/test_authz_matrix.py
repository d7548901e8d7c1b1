"""The authorization matrix, generated from the URL map.

Every endpoint under /api/v1 is called as anonymous and as each persona. The
expected answer comes from the endpoint's declared rule, so an endpoint
without a rule fails here, and a new endpoint is covered the day it is added.
Factory-scoped records of factory A must not exist for the inspector of
factory B.
"""

from __future__ import annotations

import uuid

import pytest
import world

from server.authz import rule_for

# A real record for each blueprint's <uuid:...> argument. Records of factory A
# are listed in FACTORY_A_RECORDS too.
RECORD_FOR_BLUEPRINT = {
    "factories": world.FACTORY_A,
    "styles": world.STYLE,
    "tech_pack_versions": world.TECH_PACK,
    "defect_types": world.DEFECT_TYPE,
    "measurement_specs": world.SPEC,
    "checklist_templates": world.CHECKLIST,
    "aql_defaults": world.AQL_DEFAULT,
    "purchase_orders": world.PO_A,
    "purchase_order_files": world.PO_A,
    "purchase_order_lines": world.PO_LINE_A,
    "production_orders": world.PROD_ORDER_A,
    "order_risk": world.PROD_ORDER_A,
    "milestone_events": world.MILESTONE_A,
    "inspections": world.INSPECTION_A,
    "inspection_reports": world.INSPECTION_A,
    "inspection_items": world.INSPECTION_ITEM_A,
    "inspection_defects": world.DEFECT_A,
    "measurement_results": world.MEASUREMENT_A,
    "checklist_results": world.CHECKLIST_RESULT_A,
    "users": world.user_id("inspector_a"),
    "photo_records": world.PHOTO_A,
    "webhooks": world.WEBHOOK,
    "notification_preferences": world.user_id("inspector_a"),
    "corrective_actions": world.CORRECTIVE_ACTION_A,
    "defect_reviews": world.DEFECT_REVIEW_A,
    "review_comments": world.REVIEW_COMMENT_A,
    "design_review": world.STYLE,
}
FACTORY_A_RECORDS = {
    world.FACTORY_A, world.PO_A, world.PO_LINE_A, world.PROD_ORDER_A, world.MILESTONE_A, world.INSPECTION_A,
    world.INSPECTION_ITEM_A, world.DEFECT_A, world.MEASUREMENT_A, world.CHECKLIST_RESULT_A, world.PHOTO_A,
    world.CORRECTIVE_ACTION_A, world.DEFECT_REVIEW_A, world.REVIEW_COMMENT_A,
}
PERSONAS = ["anonymous", *world.PERSONAS]


def _api_endpoints(app):
    for url_rule in app.url_map.iter_rules():
        if not url_rule.rule.startswith("/api/v1/") or url_rule.endpoint.startswith("api-docs."):
            continue
        for method in sorted(url_rule.methods - {"HEAD", "OPTIONS"}):
            yield url_rule, method


def _fill(url_rule, method) -> tuple[str, uuid.UUID | None]:
    blueprint = url_rule.endpoint.split(".")[0]
    record = None
    values = {}
    for argument in url_rule.arguments:
        if method == "DELETE":
            # Deleting a real record would change the world for the next persona.
            values[argument] = uuid.uuid4()
        elif argument in ("record_id", "user_id") and blueprint in RECORD_FOR_BLUEPRINT:
            record = RECORD_FOR_BLUEPRINT[blueprint]
            values[argument] = record
        elif argument == "factory_id":  # a factory's figures (analytics scorecard)
            record = world.FACTORY_A
            values[argument] = record
        elif argument in ("token_id", "conflict_id"):
            values[argument] = uuid.uuid4()
        elif argument == "sha256":
            values[argument] = "ab" * 32
        elif argument == "client_id":
            values[argument] = "matrix-device-0000000"  # no such device: a 404 for the roles allowed
        else:
            pytest.fail(f"{url_rule.rule}: no test value for <{argument}>; add one to the matrix")
    return url_rule.build(values, append_unknown=False)[1], record


@pytest.fixture
def tokens(app):
    from server.extensions import db
    from server.models import User
    from server.services.auth import create_api_token

    with app.app_context():
        return {p: create_api_token(db.session.get(User, world.user_id(p)), "matrix")[1] for p in world.PERSONAS}


def test_every_endpoint_declares_a_rule(app):
    missing = [f"{m} {r.rule}" for r, m in _api_endpoints(app) if rule_for(app, r.endpoint) is None]
    assert not missing, f"endpoints without an access rule: {missing}"


def test_matrix(app, tokens):
    client = app.test_client()
    failures = []
    checked = 0
    for url_rule, method in _api_endpoints(app):
        rule = rule_for(app, url_rule.endpoint)
        path, record = _fill(url_rule, method)
        for persona in PERSONAS:
            headers = {} if persona == "anonymous" else {"Authorization": f"Bearer {tokens[persona]}"}
            kwargs = {"json": {}} if method in ("POST", "PATCH", "PUT") else {}
            response = client.open(path, method=method, headers=headers, **kwargs)
            status = response.status_code
            body = response.get_json(silent=True)
            response.close()  # as a WSGI server does: ends a streamed answer (a CSV export) and its context
            checked += 1
            role = None if persona == "anonymous" else world.PERSONAS[persona][1]
            if status >= 500:
                failures.append(f"{persona} {method} {path}: {status} {str(body)[:300]}")
            elif status >= 400 and not (isinstance(body, dict) and {"code", "message", "fields"} <= set(body.get("error", {}))):
                failures.append(f"{persona} {method} {path}: {status} without the error shape: {str(body)[:200]}")
            elif rule.public:
                if status in (401, 403):
                    failures.append(f"{persona} {method} {path}: public endpoint answered {status}")
            elif persona == "anonymous":
                if status != 401:
                    failures.append(f"anonymous {method} {path}: expected 401, got {status}")
            elif not rule.allows(role):
                if status != 403:
                    failures.append(f"{persona} {method} {path}: role {role} expected 403, got {status}")
            elif status in (401, 403):
                failures.append(f"{persona} {method} {path}: role {role} is allowed but got {status} {str(body)[:200]}")
            elif persona == "inspector_b" and record in FACTORY_A_RECORDS and status != 404:
                # Anything but 404 must look exactly like the answer for a record that does not exist.
                ghost = client.open(path.replace(str(record), str(uuid.uuid4())), method=method, headers=headers,
                                    **kwargs)
                if (ghost.status_code, ghost.get_json(silent=True)) != (status, body):
                    failures.append(f"inspector_b {method} {path}: factory A's record is visible ({status})")
    assert checked > 100
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("persona", ["inspector_b", "factory_a"])
def test_lists_only_show_own_factories(app, tokens, persona):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {tokens[persona]}"}
    own = set(world.PERSONAS[persona][2])
    for url in ("/api/v1/factories", "/api/v1/inspections", "/api/v1/purchase-orders", "/api/v1/corrective-actions"):
        response = client.get(url, headers=headers)
        if response.status_code == 403:
            continue
        assert response.status_code == 200
        for item in response.get_json():
            factory = item.get("factory_id", item["id"])
            assert uuid.UUID(factory) in own, f"{persona} sees {url} record of another factory"
