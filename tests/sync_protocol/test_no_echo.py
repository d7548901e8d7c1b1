"""No echo (PROTOCOL.md 2.11 and 3.7): a client is not sent back what the server stored as it sent it; everyone
else is, and so is a change the server altered. Through the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import world

PHONE = "phone-noecho-0123456789"
OTHER_PHONE = "phone-noecho-abcdefghij"


def _push(client, mutations, client_id=PHONE):
    body = {"client_id": client_id, "protocol_version": 1, "schema_version": 1, "mutations": mutations}
    answer = client.post("/api/v1/sync/push", json=body)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["results"]


def _upsert(mutation_id, entity, record_id, base_version=None, **fields):
    return {"id": mutation_id, "entity": entity, "op": "upsert", "record_id": str(record_id), "fields": fields,
            "base_version": base_version}


def _defect(mutation_id, record_id, **fields):
    return _upsert(mutation_id, "inspection_defect", record_id, inspection_id=str(world.INSPECTION_A),
                   defect_type_id=str(world.DEFECT_TYPE), severity="minor", **fields)


def _pulled_ids(client, client_id=PHONE, skip_echoes=True) -> set[str]:
    ids, cursor = set(), None
    while True:
        query = f"client_id={client_id}&limit=50" + (f"&cursor={cursor}" if cursor else "")
        answer = client.get("/api/v1/sync/pull?" + query + ("&skip_echoes=true" if skip_echoes else "")).get_json()
        ids |= {change["id"] for change in answer["changes"]}
        cursor = answer["cursor"]
        if not answer["has_more"]:
            return ids


def test_a_record_stored_as_sent_is_not_sent_back_to_its_writer_but_reaches_everyone_else(login_as):
    inspector = login_as("inspector_a")
    defect = uuid.uuid4()
    (result,) = _push(inspector, [_defect(1, defect, note="open seam")])
    # The answer gives what the client lacks: the version, the factory the defect took from its inspection, and
    # the times a pull would have told it.
    assert result["status"] == "applied" and result["version"] > 0
    assert set(result["derived"]) == {"factory_id", "created_at", "updated_at", "created_by_id"}
    assert result["derived"]["factory_id"] == str(world.FACTORY_A)
    assert str(defect) not in _pulled_ids(inspector)
    # Asked without skip_echoes (an older app, or a replica being rebuilt), it comes as always.
    assert str(defect) in _pulled_ids(inspector, skip_echoes=False)
    # Another device of the same user, and the factory's own user, get it.
    assert str(defect) in _pulled_ids(inspector, client_id=OTHER_PHONE)
    assert str(defect) in _pulled_ids(login_as("factory_a"), client_id="factory-phone-0123456789")


def test_what_the_server_filled_in_comes_with_the_answer_and_a_finalize_is_sent_back(login_as):
    inspector = login_as("inspector_a")
    inspection = uuid.uuid4()
    # No switching states, AQLs or count basis sent: the server fills them in, with the plan, and says so.
    (created,) = _push(inspector, [_upsert(
        1, "inspection", inspection, factory_id=str(world.FACTORY_A), production_order_id=str(world.PROD_ORDER_A),
        inspection_type="final", lot_size=500, inspection_level="II", status="in_progress")])
    derived = created["derived"]
    assert {"switching_major", "aql_major", "count_basis", "plan", "inspector_id", "started_at"} <= set(derived)
    assert derived["plan"]["major"]["sample_size"] == 50 and derived["inspector_id"] == str(world.user_id("inspector_a"))
    assert str(inspection) not in _pulled_ids(inspector)
    # A value the server stores differently from what was sent (here: a conflict's kept value) is no echo, and
    # neither is a finalize, which recomputes the verdict: the writer pulls the record.
    (finalized,) = _push(inspector, [{"id": 2, "entity": "inspection", "op": "finalize", "record_id": str(inspection),
                                      "fields": {"verdict": {"critical": "pass", "major": "pass", "minor": "pass",
                                                             "overall": "pass"}}}])
    assert finalized["status"] == "applied" and "derived" not in finalized
    assert str(inspection) in _pulled_ids(inspector)


def test_a_conflict_is_sent_back_and_a_write_by_someone_else_clears_the_mark(login_as):
    phone, other = login_as("inspector_a"), login_as("inspector_a")
    defect = uuid.uuid4()
    (created,) = _push(phone, [_defect(1, defect, note="open seam")])
    # The same client writing on top of its own echo stays an echo.
    (edited,) = _push(phone, [_upsert(2, "inspection_defect", defect, created["version"], note="open seam, 2 cm")])
    assert "derived" in edited and str(defect) not in _pulled_ids(phone)
    # Another device changes it: the first phone must get that change, and the other device the whole record,
    # which it never held.
    (theirs,) = _push(other, [_upsert(1, "inspection_defect", defect, edited["version"], location="hem")],
                      client_id=OTHER_PHONE)
    assert theirs["status"] == "applied" and "derived" not in theirs
    assert str(defect) in _pulled_ids(phone) and str(defect) in _pulled_ids(other, client_id=OTHER_PHONE)
    # The first phone writes again on a base older than the other's change: its write is not an echo (it does
    # not hold the other's field), and a field the other changed since is kept as a conflict, also sent back.
    (again,) = _push(phone, [_upsert(3, "inspection_defect", defect, edited["version"], location="cuff")])
    assert again["status"] == "applied_with_conflicts" and "derived" not in again
    assert str(defect) in _pulled_ids(phone) and str(defect) in _pulled_ids(phone, client_id=OTHER_PHONE)


def test_the_python_client_keeps_its_own_records_and_rebuilds_them_after_a_reset(make_client):
    phone = make_client("inspector_a")
    defect = phone.upsert("inspection_defect", {"inspection_id": str(world.INSPECTION_A),
                                                "defect_type_id": str(world.DEFECT_TYPE), "severity": "major",
                                                "note": "stain"})
    phone.sync()
    kept = phone.records("inspection_defect")[defect]
    assert kept["note"] == "stain" and kept["factory_id"] == str(world.FACTORY_A)
    version = phone.db.execute("SELECT version FROM replica WHERE id = ?", (defect,)).fetchone()[0]
    assert version > 0
    # A cursor from another database: the server answers reset, the replica is rebuilt from nothing, and the
    # client's own records come back with it (it asks without skip_echoes until caught up).
    with phone.db:
        phone.db.execute("UPDATE meta SET value = ? WHERE key = 'cursor'", (_foreign_cursor(phone),))
    phone.sync()
    assert phone.records("inspection_defect")[defect]["note"] == "stain"
    assert phone.db.execute("SELECT value FROM meta WHERE key = 'rebuilding'").fetchone() in (None, (None,))


def _foreign_cursor(phone) -> str:
    from sync.core import Cursor

    held = Cursor.decode(phone.db.execute("SELECT value FROM meta WHERE key = 'cursor'").fetchone()[0])
    return Cursor(str(uuid.uuid4()), held.version, held.rank, held.record_id, held.scope).encode()


def test_a_retry_after_a_lost_answer_still_gives_the_record_the_server_holds(login_as):
    inspector = login_as("inspector_a")
    defect = uuid.uuid4()
    mutation = _defect(1, defect, note="open seam")
    (first,) = _push(inspector, [mutation])  # as if this answer never reached the phone
    (retried,) = _push(inspector, [mutation])
    assert retried["status"] == "duplicate" and retried["outcome"]["status"] == "applied"
    assert retried["outcome"]["version"] == first["version"]
    held = retried["outcome"]["derived"]
    assert held["factory_id"] == str(world.FACTORY_A) and held["note"] == "open seam" and held["id"] == str(defect)
    assert str(defect) not in _pulled_ids(inspector)
