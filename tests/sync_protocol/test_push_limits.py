"""A push carrying values beyond what a field can hold rejects that mutation, naming the field and the
limit, and the queue moves on: a retry is a duplicate, never a 500 that PROTOCOL.md says to retry forever.

On SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid

import pytest
import world
from sqlalchemy import select

from server.extensions import db
from server.models import Inspection, SyncRejection

CLIENT = "device-limits-0123456789"
HUGE = 100_000_000_000_000_000_000
QUANTITY_LIMIT = "Must be a whole number from 0 to 10,000,000."


def _push(client, mutations):
    body = {"client_id": CLIENT, "protocol_version": 1, "schema_version": 1, "mutations": mutations}
    return client.post("/api/v1/sync/push", json=body)


def _inspection_update(mutation_id, **fields):
    return {"id": mutation_id, "entity": "inspection", "op": "upsert", "record_id": str(world.INSPECTION_A),
            "fields": fields}


def _defect(mutation_id, **fields):
    return {"id": mutation_id, "entity": "inspection_defect", "op": "upsert", "record_id": str(uuid.uuid4()),
            "fields": {"inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE),
                       "severity": "minor", **fields}}


def _milestone(mutation_id, **fields):
    return {"id": mutation_id, "entity": "milestone_event", "op": "upsert", "record_id": str(uuid.uuid4()),
            "fields": {"production_order_id": str(world.PROD_ORDER_A), "stage": "sewing",
                       "occurred_on": "2026-11-30", **fields}}


def _rejections(app):
    with app.app_context():
        return {r.mutation_id: r for r in db.session.scalars(select(SyncRejection))}


@pytest.mark.parametrize("value", [HUGE, 2**31, 2**63, 11_000_001, 2.5, "12"])
def test_out_of_range_quantities_reject_their_mutation_and_the_queue_moves_on(app, login_as, value):
    inspector = login_as("inspector_a")
    batch = [
        _inspection_update(1, carton_count=value),
        _inspection_update(2, ordered_quantity=value),
        _inspection_update(3, packed_quantity=value),
        _defect(4, sample_unit=value),
        _milestone(5, quantity=value),
        _inspection_update(6, carton_count=40),
    ]
    response = _push(inspector, batch)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * 5 + ["applied"]
    expected_fields = [{"carton_count": [QUANTITY_LIMIT]}, {"ordered_quantity": [QUANTITY_LIMIT]},
                       {"packed_quantity": [QUANTITY_LIMIT]},
                       {"sample_unit": ["Must be a whole number from 1 to 10,000,000."]},
                       {"quantity": ["Must be a whole number from 0 to 11,000,000."]}]
    assert [(r["code"], r["fields"]) for r in results[:5]] == [("validation_error", f) for f in expected_fields]
    # Recorded for the phone's user and the admins, with what was sent.
    recorded = _rejections(app)
    assert sorted(recorded) == [1, 2, 3, 4, 5]
    assert recorded[1].fields == {"carton_count": value} and recorded[1].details == expected_fields[0]
    # The retry PROTOCOL.md asks for after a lost answer: all duplicates, nothing new.
    again = _push(inspector, batch)
    assert again.status_code == 200 and {r["status"] for r in again.get_json()["results"]} == {"duplicate"}
    with app.app_context():
        assert db.session.get(Inspection, world.INSPECTION_A).carton_count == 40


def test_the_largest_allowed_quantities_apply(app, login_as):
    inspector = login_as("inspector_a")
    batch = [_inspection_update(1, carton_count=10_000_000, ordered_quantity=10_000_000,
                                packed_quantity=10_000_000),
             _defect(2, sample_unit=10_000_000), _milestone(3, quantity=11_000_000)]
    results = _push(inspector, batch).get_json()["results"]
    assert [r["status"] for r in results] == ["applied"] * 3


def test_out_of_range_mutation_ids_and_versions_are_a_400_naming_them(login_as):
    inspector = login_as("inspector_a")
    response = _push(inspector, [{**_inspection_update(HUGE, carton_count=1), "base_version": HUGE}])
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]["mutations"]["0"]
    limit = "Must be a whole number from {} to 9,007,199,254,740,991."
    assert fields == {"id": [limit.format(1)], "base_version": [limit.format(0)]}


def test_a_text_field_holding_deeply_nested_json(app, login_as):
    inspector = login_as("inspector_a")
    nested_text = "[" * 900 + "]" * 900
    # As text it is just text: applied, recorded, pulled back as sent.
    applied = _push(inspector, [_defect(1, note=nested_text)])
    assert applied.get_json()["results"][0]["status"] == "applied"
    # As JSON in place of the text the body nests past the limit: a 400 naming it, never a crash.
    body = ('{"client_id": "%s", "protocol_version": 1, "schema_version": 1, "mutations": [{"id": 2, '
            '"entity": "inspection", "op": "upsert", "record_id": "%s", "fields": {"notes": %s}}]}'
            % (CLIENT, world.INSPECTION_A, nested_text))
    response = inspector.post("/api/v1/sync/push", data=body, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "json_too_deep"
    # Nested within the limit, the mutation is rejected and the rejection recorded as sent.
    within = {"notes": [[[[[[[[[[["deep"]]]]]]]]]]]}
    result = _push(inspector, [_inspection_update(2, **within)]).get_json()["results"][0]
    assert result["status"] == "rejected" and result["fields"] == {"notes": ["Not a valid string."]}
    assert _rejections(app)[2].fields == within
