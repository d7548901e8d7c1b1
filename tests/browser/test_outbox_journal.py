"""The app's outbox in Chromium: gzipped pushes, bursts in one transaction, reads by key range past the
acknowledged id, and the journal pruned as PROTOCOL.md 6.3 says.

Each test asks for live_app before phone, so the browser context closes before the server stops.
"""

from __future__ import annotations

import gzip
import json

import world
from helpers import login, pending, sync_pass, wait_synced
from sqlalchemy import select

DAY_MS = 24 * 3600 * 1000

RECORD_BURST = """async ([inspectionId, defectTypeId, count, label]) => {
    const db = await import('/js/db.js');
    const changes = [];
    for (let n = 0; n < count; n += 1) {
        changes.push(db.upsertChange('inspection_defect', { inspection_id: inspectionId, defect_type_id: defectTypeId,
            severity: ['minor', 'major', 'critical'][n % 3], note: `${label} ${n}` }));
    }
    return db.batch(changes);
}"""

OUTBOX = """async () => {
    const db = await (await import('/js/db.js')).openDatabase();
    const through = (await db.get('meta', 'acked_through'))?.value ?? 0;
    return (await db.getAll('outbox')).map((m) => ({ id: m.id, acked: m.id <= through, note: m.fields.note ?? null }));
}"""

# Counts readwrite transactions and records every read of the outbox store with its key range (null: the whole
# store), from now on in this page.
SPY = """() => {
    window.spy = { readwrite: 0, outboxReads: [], indexReads: 0 };
    const transaction = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (stores, mode, options) {
        if (mode === 'readwrite') window.spy.readwrite += 1;
        return transaction.call(this, stores, mode, options);
    };
    for (const method of ['get', 'getAll', 'getAllKeys', 'count', 'openCursor', 'openKeyCursor']) {
        const original = IDBObjectStore.prototype[method];
        IDBObjectStore.prototype[method] = function (query, ...rest) {
            if (this.name === 'outbox' && method !== 'get') {
                window.spy.outboxReads.push(query instanceof IDBKeyRange
                    ? { lower: query.lower ?? null, upper: query.upper ?? null } : query ?? null);
            }
            return original.call(this, query, ...rest);
        };
        const onIndex = IDBIndex.prototype[method];
        IDBIndex.prototype[method] = function (...args) {
            if (this.objectStore.name === 'outbox') window.spy.indexReads += 1;
            return onIndex.apply(this, args);
        };
    }
}"""


def _server_notes(app, prefix: str) -> list[str]:
    from server.extensions import db
    from server.models import InspectionDefect

    with app.app_context():
        return [n for n in db.session.scalars(select(InspectionDefect.note).where(
            InspectionDefect.note.like(f"{prefix}%")))]


def _open_app(phone, base):
    page = phone.new_page()
    page.goto(base + "/")
    page.wait_for_selector("#email")
    return page


def test_the_push_is_gzipped_and_every_change_arrives_exactly_once(live_app, phone):
    base, app = live_app
    page = phone.new_page()
    login(page, base)
    pushes = []

    def capture(route):
        request = route.request
        pushes.append((request.headers.get("content-encoding"), request.post_data_buffer))
        route.continue_()

    page.route("**/api/v1/sync/push", capture)
    phone.set_offline(True)
    page.evaluate(RECORD_BURST, [str(world.INSPECTION_A), str(world.DEFECT_TYPE), 300, "gzipped"])
    phone.set_offline(False)
    wait_synced(page)
    assert pushes and all(encoding == "gzip" for encoding, _body in pushes)
    sent = [json.loads(gzip.decompress(body)) for _encoding, body in pushes]
    ids = [m["id"] for body in sent for m in body["mutations"]]
    assert sorted(set(ids)) == list(range(1, 301))
    raw = sum(len(json.dumps(body).encode()) for body in sent)
    wire = sum(len(body) for _encoding, body in pushes)
    print(f"push bodies: {raw} bytes of JSON, {wire} bytes sent ({wire / raw:.2f})")
    assert wire <= 0.5 * raw
    notes = _server_notes(app, "gzipped ")
    assert sorted(notes) == sorted(f"gzipped {n}" for n in range(300))  # each once
    assert all(m["acked"] for m in page.evaluate(OUTBOX))


def test_without_compression_stream_the_push_goes_plain(live_app, phone):
    base, app = live_app
    phone.add_init_script("delete window.CompressionStream;")
    page = phone.new_page()
    login(page, base)
    pushes = []

    def capture(route):
        pushes.append((route.request.headers.get("content-encoding"), route.request.post_data_buffer))
        route.continue_()

    page.route("**/api/v1/sync/push", capture)
    page.evaluate(RECORD_BURST, [str(world.INSPECTION_A), str(world.DEFECT_TYPE), 3, "plain"])
    wait_synced(page)
    assert pushes and all(encoding is None for encoding, _body in pushes)
    assert [m["id"] for m in json.loads(pushes[-1][1])["mutations"]] == [1, 2, 3]
    assert sorted(_server_notes(app, "plain ")) == ["plain 0", "plain 1", "plain 2"]


def test_a_burst_is_one_transaction_and_a_failure_inside_records_none_of_it(live_app, phone):
    base, _app = live_app
    page = _open_app(phone, base)
    page.evaluate(SPY)
    outcome = page.evaluate("""async ([inspectionId, defectTypeId]) => {
        const db = await import('/js/db.js');
        const defect = (note) => db.upsertChange('inspection_defect',
            { inspection_id: inspectionId, defect_type_id: defectTypeId, severity: 'minor', note });
        const ids = await db.batch(Array.from({ length: 100 }, (_, n) => defect(`burst ${n}`)));
        const transactions = window.spy.readwrite;
        let failure = null;
        try {
            // The third change cannot be stored (a function is not cloneable): none of the three may be.
            await db.batch([defect('first'), defect('second'), { ...defect('bad'), fields: { note: () => 1 } }]);
        } catch (error) {
            failure = error.name;
        }
        const afterFailure = await db.pendingCounts();
        const single = await db.upsert('inspection_defect',
            { inspection_id: inspectionId, defect_type_id: defectTypeId, severity: 'major', note: 'a tap' });
        const records = await db.records('inspection_defect');
        return { ids: ids.length, transactions, failure, afterFailure: afterFailure.mutations,
                 pending: (await db.pendingCounts()).mutations, tapRecorded: records.get(single)?.note,
                 notes: [...records.values()].map((r) => r.note).filter((n) => n === 'first' || n === 'second') };
    }""", [str(world.INSPECTION_A), str(world.DEFECT_TYPE)])
    assert outcome["ids"] == 100 and outcome["transactions"] == 1
    assert outcome["failure"] == "DataCloneError"
    assert outcome["afterFailure"] == 100 and outcome["notes"] == []
    assert outcome["pending"] == 101 and outcome["tapRecorded"] == "a tap"
    assert [m["id"] for m in page.evaluate(OUTBOX)] == list(range(1, 102))  # no id taken by the failed burst


def test_acknowledgements_move_a_range_and_the_unsent_set_stays_exact(live_app, phone):
    base, _app = live_app
    page = _open_app(phone, base)
    page.evaluate(RECORD_BURST, [str(world.INSPECTION_A), str(world.DEFECT_TYPE), 50, "acked"])
    result = page.evaluate("""async () => {
        const db = await import('/js/db.js');
        const unsent = async () => (await db.unackedMutations(1000)).map((m) => m.id);
        const pendingNotes = async () => [...(await db.records('inspection_defect')).values()]
            .filter((r) => r._pending).length;
        const steps = [];
        for (const last of [10, 10, 30, 50]) {
            await db.acknowledge(last, []);
            steps.push({ last: await db.lastAcked(), unsent: await unsent(),
                         count: (await db.pendingCounts()).mutations, shown: await pendingNotes() });
        }
        await db.rewind(21);  // the server lost 21 and later
        steps.push({ last: await db.lastAcked(), unsent: await unsent(), count: (await db.pendingCounts()).mutations,
                     shown: await pendingNotes(), first5: (await db.unackedMutations(5)).map((m) => m.id) });
        return steps;
    }""")
    expected = [(10, 11), (10, 11), (30, 31), (50, 51)]
    for step, (last, first_unsent) in zip(result, expected, strict=False):
        assert step["last"] == last
        assert step["unsent"] == list(range(first_unsent, 51))
        assert step["count"] == step["shown"] == 50 - last
    rewound = result[-1]
    assert rewound["last"] == 20 and rewound["unsent"] == list(range(21, 51)) and rewound["count"] == 30
    assert rewound["first5"] == [21, 22, 23, 24, 25]
    assert [m["id"] for m in page.evaluate(OUTBOX) if m["acked"]] == list(range(1, 21))


def test_a_sync_reads_the_outbox_by_ranges_past_the_acknowledged_id(live_app, phone):
    """Whatever the journal holds, a sync reads only the unsent range (and what pruning removes): never the
    whole store, never an index over it."""
    base, app = live_app
    page = phone.new_page()
    login(page, base)
    page.evaluate(RECORD_BURST, [str(world.INSPECTION_A), str(world.DEFECT_TYPE), 2500, "journal"])
    wait_synced(page, timeout=60)
    page.evaluate(SPY)
    assert sync_pass(page) is None  # nothing new
    page.evaluate(RECORD_BURST, [str(world.INSPECTION_A), str(world.DEFECT_TYPE), 1, "one more"])
    assert sync_pass(page) is None and pending(page) == 0
    spy = page.evaluate("() => window.spy")
    assert spy["indexReads"] == 0
    assert spy["outboxReads"], "the spy saw nothing"
    for query in spy["outboxReads"]:
        assert isinstance(query, (dict, int)), f"a read of the whole outbox: {query}"
        if isinstance(query, dict):
            # Past the acknowledged id (2500), or the prefix pruning may remove (never read here: nothing is old).
            assert (query["lower"] or 0) > 2500 or query["upper"] <= 2501 - 1000, query
    assert _server_notes(app, "one more") == ["one more 0"]


def test_the_journal_keeps_what_the_retention_says_and_the_export_holds_it(live_app, phone):
    base, _app = live_app
    page = _open_app(phone, base)
    page.evaluate(RECORD_BURST, [str(world.INSPECTION_A), str(world.DEFECT_TYPE), 1205, "old"])
    result = page.evaluate("""async ([inspectionId, defectTypeId, day]) => {
        const db = await import('/js/db.js');
        const { buildExport } = await import('/js/export.js');
        const ids = async () => (await (await db.openDatabase()).getAllKeys('outbox'));
        const realNow = Date.now;
        await db.acknowledge(1205, []);
        const later = async (days, note) => {
            Date.now = () => realNow() + days * day;
            await db.upsert('inspection_defect', { inspection_id: inspectionId, defect_type_id: defectTypeId,
                                                   severity: 'minor', note });
            await db.acknowledge(await db.getMeta('next_mutation_id') - 1, []);
            Date.now = realNow;
            return ids();
        };
        const at29 = await later(29, 'day 29');
        const at31 = await later(31, 'day 31');
        const exported = (await buildExport()).mutations.map((m) => m.id);
        let refused = null;
        try {
            await db.rewind(5);  // a server restored from a backup older than the retention
        } catch (error) {
            refused = error.message;
        }
        return { at29: [at29.length, at29[0]], at31: [at31.length, at31[0], at31[at31.length - 1]],
                 exported: [exported.length, exported[0], exported[exported.length - 1]], refused,
                 last: await db.lastAcked() };
    }""", [str(world.INSPECTION_A), str(world.DEFECT_TYPE), DAY_MS])
    assert result["at29"] == [1206, 1]  # within 30 days nothing goes
    # 31 days on, the first 1,205 are past the retention, but the newest 1,000 acknowledged stay.
    assert result["at31"] == [1000, 208, 1207]
    assert result["exported"] == [1000, 208, 1207]  # the export holds every mutation kept (PROTOCOL.md 8.2)
    assert "no longer keeps" in result["refused"] and result["last"] == 1207


REPLICA_ROW = """async ([entity, id]) => {
    const db = await (await import('/js/db.js')).openDatabase();
    return (await db.get('replica', [entity, id])) ?? null;
}"""


def test_the_app_keeps_what_it_sent_and_is_not_sent_it_back(live_app, phone):
    """PROTOCOL.md 2.11 and 3.7: pulls skip the phone's own records stored as sent; the phone keeps them, with the
    version and the factory the server derived, and still shows them after the sync."""
    base, _app = live_app
    page = phone.new_page()
    login(page, base)
    wait_synced(page)
    pulled: list[str] = []
    page.on("response", lambda response: "/api/v1/sync/pull" in response.url and pulled.extend(
        change["id"] for change in response.json()["changes"]))
    (defect,) = page.evaluate(RECORD_BURST, [str(world.INSPECTION_A), str(world.DEFECT_TYPE), 1, "kept"])
    wait_synced(page)
    assert "skip_echoes=true" in page.evaluate("() => performance.getEntriesByType('resource').map((e) => e.name)"
                                               ".filter((u) => u.includes('/sync/pull')).at(-1)")
    assert defect not in pulled
    row = page.evaluate(REPLICA_ROW, ["inspection_defect", defect])
    assert row["version"] > 0 and row["fields"]["note"] == "kept 0"
    assert row["fields"]["factory_id"] == str(world.FACTORY_A)
    shown = page.evaluate("""async (id) => (await (await import('/js/db.js')).record('inspection_defect', id))""", defect)
    assert shown["note"] == "kept 0" and not shown.get("_pending")


def test_a_record_made_and_changed_before_one_sync_is_kept_whole(live_app, phone):
    """Both changes are answered at once: the replica row holds the fields of the first and the change of the
    second (each acknowledged change was once folded onto the row as read before any of them was written, so the
    second one's few fields replaced the whole record, and the pull, which skips the phone's echoes, never mended it)."""
    base, _app = live_app
    page = phone.new_page()
    login(page, base)
    wait_synced(page)
    defect = page.evaluate("""async ([inspectionId, defectTypeId]) => {
        const db = await import('/js/db.js');
        const made = db.upsertChange('inspection_defect', { inspection_id: inspectionId, defect_type_id: defectTypeId,
                                                            severity: 'minor', note: 'first' });
        const changed = db.upsertChange('inspection_defect', { location: 'left sleeve' }, made.recordId);
        await db.batch([made, changed]);
        return made.recordId;
    }""", [str(world.INSPECTION_A), str(world.DEFECT_TYPE)])
    wait_synced(page)
    fields = page.evaluate(REPLICA_ROW, ["inspection_defect", defect])["fields"]
    assert (fields["note"], fields["location"], fields["severity"]) == ("first", "left sleeve", "minor")
    assert fields["defect_type_id"] == str(world.DEFECT_TYPE)


def test_a_creation_answered_after_its_record_reached_the_replica_is_folded_onto_it(live_app, phone):
    """A change made before the answer to the record's creation came carries no base version, as a creation does:
    its answer adds the replica row without reading it first, and, refused as the row is there, folds onto it."""
    base, _app = live_app
    page = _open_app(phone, base)
    outcome = page.evaluate("""async ([inspectionId, defectTypeId]) => {
        const db = await import('/js/db.js');
        const made = db.upsertChange('inspection_defect', { inspection_id: inspectionId, defect_type_id: defectTypeId,
                                                            severity: 'minor', note: 'first' });
        await db.batch([made]);
        await db.upsert('inspection_defect', { location: 'left sleeve' }, made.recordId);
        const [first, second] = await db.unackedMutations(2);
        await db.acknowledge(first.id, [{ id: first.id, status: 'applied', version: 5, derived: { factory_id: 'f' } }]);
        await db.acknowledge(second.id, [{ id: second.id, status: 'applied', version: 6, derived: {} }], [second]);
        const row = await (await db.openDatabase()).get('replica', ['inspection_defect', made.recordId]);
        return { baseVersion: second.base_version, row, last: await db.lastAcked(), expected: second.id };
    }""", [str(world.INSPECTION_A), str(world.DEFECT_TYPE)])
    assert outcome["baseVersion"] is None
    assert outcome["last"] == outcome["expected"]
    row = outcome["row"]
    assert row["version"] == 6
    assert (row["fields"]["note"], row["fields"]["location"], row["fields"]["factory_id"]) == ("first", "left sleeve", "f")


def test_a_nothing_new_sync_is_one_request_and_a_refusal_still_refreshes_the_list(live_app, phone):
    base, _app = live_app
    page = phone.new_page()
    login(page, base)
    wait_synced(page)
    asked: list[str] = []
    page.on("request", lambda request: "/api/v1/" in request.url and asked.append(request.url.split("/api/v1/")[1]))
    assert sync_pass(page) is None
    assert {path.split("?")[0] for path in asked} == {"sync/pull"}  # no refusals, conflicts or vocabulary asked
    # A clean push is not followed by the lists either; a refused one is.
    asked.clear()
    page.evaluate(RECORD_BURST, [str(world.INSPECTION_A), str(world.DEFECT_TYPE), 1, "asks"])
    assert sync_pass(page) is None
    assert {path.split("?")[0] for path in asked} == {"sync/push", "sync/pull"}
    asked.clear()
    page.evaluate("""async ([inspectionId, defectTypeId]) => (await import('/js/db.js')).upsert('inspection_defect',
        { inspection_id: inspectionId, defect_type_id: defectTypeId, severity: 'major', sample_unit: 0 })""",
                  [str(world.INSPECTION_A), str(world.DEFECT_TYPE)])
    assert sync_pass(page) is None
    assert {path.split("?")[0] for path in asked} >= {"sync/push", "sync/rejections", "sync/conflicts"}
