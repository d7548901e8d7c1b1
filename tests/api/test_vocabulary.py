"""The vocabulary document: every list, limit and permission comes from where its rule lives."""

from __future__ import annotations

from server.models import vocab
from server.schemas.inspections import InspectionSchema


def test_vocabulary_serves_words_limits_permissions_and_tables(login_as):
    inspector = login_as("inspector_a")
    answer = inspector.get("/api/v1/vocabulary")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "private, no-cache"
    document = answer.get_json()
    assert document["vocabulary"]["milestone_stages"] == list(vocab.MILESTONE_STAGES)
    assert document["vocabulary"]["open_production_order_statuses"] == ["planned", "in_progress"]
    lot = document["entities"]["inspection"]["fields"]["lot_size"]
    declared = next(v for v in InspectionSchema().fields["lot_size"].validators)
    assert lot["whole"] and lot["required"] and (lot["min"], lot["max"]) == (declared.min, declared.max)
    assert document["entities"]["inspection_defect"]["immutable"] == ["inspection_id", "defect_type_id", "severity"]
    assert document["entities"]["inspection"]["operations"]["finalize"] == ["inspector", "admin"]
    assert "finalize" in document["permissions"]["inspector"]["inspection"]
    # A factory's staff read inspections and book them (an endpoint of its own), never record one.
    assert document["permissions"]["factory"]["inspection"] == ["read", "book"]
    assert "book" not in document["permissions"]["inspector"]["inspection"]
    assert document["aql"]["levels"] == list(vocab.INSPECTION_LEVELS)
    # Fetched after every sync: unchanged, it is a 304.
    again = inspector.get("/api/v1/vocabulary", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304


def test_vocabulary_needs_a_login(client):
    assert client.get("/api/v1/vocabulary").status_code == 401


def test_vocabulary_serves_decimal_places_as_a_count_and_every_bound_with_its_message(login_as):
    document = login_as("inspector_a").get("/api/v1/vocabulary").get_json()
    measured = document["entities"]["measurement_result"]["fields"]["measured_value"]
    assert measured["places"] == 2 and (measured["min"], measured["max"]) == (0, 999999.99)
    assert measured["message"] == "Must be a number from 0.00 to 999,999.99 with at most 2 decimal places."
    # Every number the phone types is bounded, with the words the server answers with.
    typed = {"inspection": ("lot_size", "ordered_quantity", "packed_quantity", "carton_count"),
             "inspection_defect": ("sample_unit",), "measurement_result": ("sample_unit", "measured_value"),
             "milestone_event": ("quantity",)}
    for entity, names in typed.items():
        for name in names:
            limits = document["entities"][entity]["fields"][name]
            assert {"min", "max", "message"} <= limits.keys(), (entity, name, limits)
    assert document["entities"]["milestone_event"]["fields"]["note"]["max_length"] == 4000
    assert document["entities"]["inspection_defect"]["fields"]["location"]["max_length"] == 120
