"""Input beyond what a field or the server can hold is a 400 naming the field and the limit, never a 500.

On SQLite and PostgreSQL. The sync push side of the same limits is in
tests/sync_protocol/test_push_limits.py.
"""

from __future__ import annotations

import io
import json

import pytest
import world

HUGE = 100_000_000_000_000_000_000  # beyond every integer column (and 64 bits)
QUANTITY_LIMIT = "Must be a whole number from 0 to 10,000,000."


def _error(response, status, code):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    body = response.get_json()
    assert body["error"]["code"] == code, body
    return body["error"]


def _inspection(**fields):
    return {"inspection_type": "final", "factory_id": str(world.FACTORY_A), "lot_size": 500, **fields}


def _nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


# --- whole numbers -------------------------------------------------------------------------------


def test_a_fractional_lot_size_is_refused_not_truncated(login_as):
    inspector = login_as("inspector_a")
    error = _error(inspector.post("/api/v1/inspections", json=_inspection(lot_size=2.5)), 400, "validation_error")
    assert error["fields"] == {"lot_size": ["Must be a whole number from 1 to 10,000,000."]}
    for not_a_whole_number in ("3", True, 3.0):
        _error(inspector.post("/api/v1/inspections", json=_inspection(lot_size=not_a_whole_number)),
               400, "validation_error")
    created = inspector.post("/api/v1/inspections", json=_inspection(lot_size=10_000_000))
    assert created.status_code == 201 and created.get_json()["lot_size"] == 10_000_000


@pytest.mark.parametrize("field", ["carton_count", "ordered_quantity", "packed_quantity"])
def test_quantities_beyond_their_column_are_refused_by_name(login_as, field):
    inspector = login_as("inspector_a")
    for value in (HUGE, 2**31, 10_000_001, -1):
        response = inspector.patch(f"/api/v1/inspections/{world.INSPECTION_A}", json={field: value})
        assert _error(response, 400, "validation_error")["fields"] == {field: [QUANTITY_LIMIT]}
    assert inspector.patch(f"/api/v1/inspections/{world.INSPECTION_A}", json={field: 10_000_000}).status_code == 200


def test_defect_sample_unit_and_milestone_quantity_are_bounded(login_as):
    inspector = login_as("inspector_a")
    defect = {"inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE),
              "severity": "minor", "sample_unit": HUGE}
    error = _error(inspector.post("/api/v1/inspection-defects", json=defect), 400, "validation_error")
    assert error["fields"] == {"sample_unit": ["Must be a whole number from 1 to 10,000,000."]}
    milestone = {"production_order_id": str(world.PROD_ORDER_A), "stage": "sewing", "quantity": HUGE,
                 "occurred_on": "2026-11-30"}
    error = _error(inspector.post("/api/v1/milestone-events", json=milestone), 400, "validation_error")
    assert error["fields"] == {"quantity": ["Must be a whole number from 0 to 11,000,000."]}


def test_decimals_are_bounded_strings_with_the_columns_places(login_as):
    admin = login_as("admin")
    spec = {"style_id": str(world.STYLE), "tech_pack_version_id": str(world.TECH_PACK), "size": "XL",
            "point_code": "Z9", "point_name": "Hem", "tolerance_minus": "0.50", "tolerance_plus": "0.50"}
    limit = "Must be a number from 0.00 to 999,999.99 with at most 2 decimal places."
    for bad in ("1000000", "1e9", "12.345", "-1", "NaN", True):
        error = _error(admin.post("/api/v1/measurement-specs", json={**spec, "spec_value": bad}),
                       400, "validation_error")
        assert error["fields"] == {"spec_value": [limit]}, bad
    created = admin.post("/api/v1/measurement-specs", json={**spec, "spec_value": "999999.99"})
    assert created.status_code == 201 and created.get_json()["spec_value"] == "999999.99"


# --- paging --------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", [str(HUGE), "0", "2.5"])
def test_an_impossible_page_is_a_400_naming_page(login_as, page):
    manager = login_as("manager")
    error = _error(manager.get(f"/api/v1/inspections?page={page}"), 400, "validation_error")
    assert error["fields"] == {"page": ["Must be a whole number from 1 to 1,000,000."]}


def test_the_last_allowed_page_is_empty_not_an_error(login_as):
    manager = login_as("manager")
    response = manager.get("/api/v1/inspections?page=1000000&page_size=500")
    assert response.status_code == 200 and response.get_json() == []
    error = _error(manager.get("/api/v1/inspections?page_size=501"), 400, "validation_error")
    assert error["fields"] == {"page_size": ["Must be a whole number from 1 to 500."]}


# --- nesting -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/inspections", "/api/v1/sync/push", "/api/v1/auth/login"])
def test_a_body_of_100000_nested_brackets_is_a_400(login_as, path):
    inspector = login_as("inspector_a")
    response = inspector.post(path, data=_nested(100_000), content_type="application/json")
    error = _error(response, 400, "json_too_deep")
    assert "32" in error["message"]


def test_nesting_within_the_limit_reaches_the_schema(login_as):
    inspector = login_as("inspector_a")
    # 32 levels with the body itself: a field error, not json_too_deep.
    body = json.dumps(_inspection(notes="NOTES")).replace('"NOTES"', _nested(31))
    response = inspector.post("/api/v1/inspections", data=body, content_type="application/json")
    assert _error(response, 400, "validation_error")["fields"] == {"notes": ["Not a valid string."]}


def test_an_imported_file_nested_too_deep_is_a_400(login_as):
    inspector = login_as("inspector_a")
    response = inspector.post("/api/v1/sync/import", data={"file": (io.BytesIO(_nested(900).encode()), "unsynced.json")},
                              content_type="multipart/form-data")
    _error(response, 400, "json_too_deep")


def test_depth_is_measured_outside_strings():
    from server.json_limits import nests_deeper_than

    assert not nests_deeper_than('{"a": "' + "[" * 1000 + '"}')
    assert not nests_deeper_than('{"a": "\\"[[[[", "b": [[1], {"c": [2]}]}', limit=4)
    assert nests_deeper_than('{"a": "\\"[[[[", "b": [[1], {"c": [[2]]}]}', limit=4)
    assert not nests_deeper_than(_nested(32)) and nests_deeper_than(_nested(33))
    assert not nests_deeper_than("[}")  # not JSON: left to the parser to say so


# --- text ----------------------------------------------------------------------------------------


def test_a_nul_character_is_refused_by_name(login_as):
    inspector = login_as("inspector_a")
    error = _error(inspector.post("/api/v1/inspections", json=_inspection(notes="bad\x00byte")),
                   400, "validation_error")
    assert error["fields"] == {"notes": ["Must not contain the NUL character (U+0000)."]}


# --- what the database refuses anyway ------------------------------------------------------------


def test_database_range_errors_are_400_not_500(app, backend):
    """The schemas stop such values first; should one slip past, the database's refusal is still the client's."""
    from sqlalchemy import text

    from server.authz import public
    from server.extensions import db

    def overflow():
        # PostgreSQL: integer out of range (DataError); SQLite: the driver's OverflowError.
        value = HUGE if backend == "sqlite" else 2**40
        db.session.execute(text("SELECT CAST(:value AS INTEGER)"), {"value": value})
        return "unreachable"

    def too_long():
        # PostgreSQL: value too long for type character varying(3) (DataError); SQLite keeps any length.
        db.session.execute(text("CREATE TEMP TABLE short_text (v VARCHAR(3))"))
        db.session.execute(text("INSERT INTO short_text VALUES ('abcdef')"))
        return "unreachable"

    app.add_url_rule("/api/v1/overflow", "overflow", public(overflow))
    app.add_url_rule("/api/v1/too-long", "too_long", public(too_long))
    error = _error(app.test_client().get("/api/v1/overflow"), 400, "validation_error")
    assert error["message"] == "A value cannot be stored in its field."
    if backend == "postgresql":
        _error(app.test_client().get("/api/v1/too-long"), 400, "validation_error")


# --- the document ------------------------------------------------------------------------------


def test_every_operation_documents_the_real_error_body(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    error = doc["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert set(doc["components"]["schemas"]["ErrorBody"]["required"]) == {"code", "message", "fields"}
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert operation["responses"]["default"] == {"$ref": "#/components/responses/DEFAULT_ERROR"}, (path, method)
            for status, response in operation["responses"].items():
                # A health check answers 503 with its own report (which part is down), as load balancers expect.
                if (path, status) == ("/api/v1/health", "503"):
                    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Health"}
                    continue
                if status.startswith(("4", "5")):
                    name = response["$ref"].rsplit("/", 1)[1]
                    schema = doc["components"]["responses"][name]["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, status)


def test_the_document_states_bounds_as_numbers_and_nullability(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["Inspection"]["properties"]["lot_size"] == {"type": "integer", "minimum": 1, "maximum": 10_000_000}
    assert schemas["Inspection"]["properties"]["verdict"]["nullable"] is True
    assert schemas["Inspection"]["properties"]["deleted_at"]["nullable"] is True
    spec_value = schemas["MeasurementSpec"]["properties"]["spec_value"]
    assert spec_value["type"] == "string" and "minimum" not in spec_value and spec_value["pattern"]

    def walk(node):
        if isinstance(node, dict):
            for key in ("minimum", "maximum"):
                assert key not in node or isinstance(node[key], (int, float)), node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schemas)


def test_a_nul_character_in_a_query_filter_is_refused(login_as):
    manager = login_as("manager")
    error = _error(manager.get("/api/v1/inspections?status=in%00progress"), 400, "validation_error")
    assert error["fields"] == {"status": ["Must not contain the NUL character (U+0000)."]}
    assert manager.get("/api/v1/inspections?status=in_progress").status_code == 200
