"""Table tests of the pure sync core (sync/core.py)."""

from __future__ import annotations

import uuid

import pytest

from sync.core import (
    Cursor,
    ProtocolError,
    awaits_earlier_push,
    check_versions,
    decide_fields,
    legacy_finalize,
    plan_batch,
    reset_reason,
    scope_fingerprint,
)


def _m(*ids):
    return [{"id": i} for i in ids]


@pytest.mark.parametrize("last, ids, planned", [
    (0, [1, 2, 3], [(1, False), (2, False), (3, False)]),
    (3, [1, 2, 3], [(1, True), (2, True), (3, True)]),
    (2, [3, 1, 2, 4], [(1, True), (2, True), (3, False), (4, False)]),
    (2, [3, 3, 4], [(3, False), (4, False)]),
    (5, [], []),
])
def test_plan_batch(last, ids, planned):
    assert [(p.id, p.duplicate) for p in plan_batch(last, _m(*ids))] == planned


@pytest.mark.parametrize("last, ids, expected", [(0, [2], 1), (1, [2, 4], 4 - 1), (3, [1, 5], 4)])
def test_plan_batch_refuses_gaps(last, ids, expected):
    with pytest.raises(ProtocolError) as refused:
        plan_batch(last, _m(*ids))
    assert refused.value.code == "mutation_gap" and refused.value.details["expected"] == expected


@pytest.mark.parametrize("last, ids, waits", [
    (0, [2001, 2002, 2003], True),  # the push of 1-2000 may still be on its way
    (0, [3, 2, 4, 4], True),  # order and repeats inside the batch do not matter
    (5, [7], True),
    (0, [1, 2], False),  # no gap
    (5, [6], False),
    (5, [3, 4, 7], False),  # repeats what the server holds, then skips: no push in flight can close that
    (0, [2, 4], False),  # a hole inside the batch never closes
    (5, [], False),
])
def test_awaits_earlier_push(last, ids, waits):
    assert awaits_earlier_push(last, _m(*ids)) is waits


@pytest.mark.parametrize("incoming, stored, versions, base, own, apply, conflicts", [
    # edited a field nobody touched since the base: applies
    ({"a": 2}, {"a": 1}, {"a": 5}, 5, (), {"a": 2}, {}),
    # the field changed after the base: the stored value wins, the incoming one is kept aside
    ({"a": 2}, {"a": 1}, {"a": 6}, 5, (), {}, {"a": 2}),
    # different fields edited on both sides: both survive
    ({"a": 2, "b": 9}, {"a": 1, "b": 8}, {"a": 6, "b": 3}, 5, (), {"b": 9}, {"a": 2}),
    # same value on both sides: nothing to do, no conflict
    ({"a": 1}, {"a": 1}, {"a": 6}, 5, (), {}, {}),
    # the newer change was this client's own: no conflict with itself
    ({"a": 3}, {"a": 2}, {"a": 6}, None, ("a",), {"a": 3}, {}),
    # no base at all (never seen) and someone else changed it: conflict
    ({"a": 3}, {"a": 2}, {"a": 6}, None, (), {}, {"a": 3}),
])
def test_decide_fields(incoming, stored, versions, base, own, apply, conflicts):
    decision = decide_fields(incoming, stored, versions, base, own)
    assert (decision.apply, decision.conflicts) == (apply, conflicts)


def test_cursor_round_trip():
    cursor = Cursor("db", 10, 3, uuid.uuid4().hex, "scope")
    assert Cursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize("fields, steps", [
    # not a finalize: handled as sent
    ({"status": "in_progress"}, None),
    # a bare legacy finalize: only the operation
    ({"status": "finalized", "verdict": "pass", "verdict_critical": "pass", "verdict_major": "pass",
      "verdict_minor": "pass", "finished_at": "2026-11-30T10:00:00Z"},
     [("finalize", {"verdict": {"critical": "pass", "major": "pass", "minor": "pass", "overall": "pass"},
                    "finished_at": "2026-11-30T10:00:00Z"})]),
    # other fields in the same upsert apply first
    ({"status": "finalized", "verdict": "fail", "disposition": "reject", "plan": {}},
     [("upsert", {"disposition": "reject"}),
      ("finalize", {"verdict": {"critical": None, "major": None, "minor": None, "overall": "fail"}})]),
])
def test_legacy_finalize(fields, steps):
    assert legacy_finalize("inspection", "upsert", fields) == steps
    assert legacy_finalize("inspection_defect", "upsert", fields) is None


@pytest.mark.parametrize("text", ["", "garbage", "W10=", "WyJkYiIsIC0xLCAwLCAiIiwgInMiXQ"])
def test_bad_cursors(text):
    with pytest.raises(ProtocolError):
        Cursor.decode(text)


@pytest.mark.parametrize("cursor, reason", [
    (None, None),
    (Cursor("db", 5, 0, "", "s"), None),
    (Cursor("old-db", 5, 0, "", "s"), "database_changed"),
    (Cursor("db", 5, 0, "", "other"), "scope_changed"),
    (Cursor("db", 2, 0, "", "s"), "cursor_expired"),
])
def test_reset_reasons(cursor, reason):
    assert reset_reason(cursor, "db", "s", purged_through=3) == reason


def test_scope_fingerprint_ignores_order_and_sees_changes():
    a, b = uuid.uuid4(), uuid.uuid4()
    assert scope_fingerprint("inspector", [a, b]) == scope_fingerprint("inspector", [b, a])
    assert scope_fingerprint("inspector", [a]) != scope_fingerprint("inspector", [a, b])
    assert scope_fingerprint("inspector", [a]) != scope_fingerprint("factory", [a])


def test_versions():
    check_versions(1, 1)
    with pytest.raises(ProtocolError) as refused:
        check_versions(2, 1)
    assert refused.value.code == "client_outdated"


def test_sync_package_imports_no_flask(tmp_path):
    import subprocess
    import sys

    code = "import sys, sync.core, sync.client; assert 'flask' not in sys.modules and 'server' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)
