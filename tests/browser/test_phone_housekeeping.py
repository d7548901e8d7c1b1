"""The phone's housekeeping: milestones offline, the PIN, pruning uploaded photos, the unsynced-data
export imported by the server, and IndexedDB upgrades from every earlier schema version."""

from __future__ import annotations

import json

import world
from helpers import login, make_photo, pending, wait_synced, wait_until
from sqlalchemy import func, select


def _count(app, model, *where):
    from server.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _plan_finish(app, day):
    from datetime import date

    from server.extensions import db
    from server.models import ProductionOrder
    from server.services import changes

    with app.app_context(), changes.recording(None, "seed"):
        db.session.get(ProductionOrder, world.PROD_ORDER_A).planned_finish = date.fromisoformat(day)


def test_milestone_recorded_offline_with_delay_reason_and_photo(phone, live_app, tmp_path):
    from server.models import MilestoneEvent, Photo

    base, app = live_app
    _plan_finish(app, "2026-03-05")
    page = phone.new_page()
    login(page, base, persona="factory_a")
    phone.set_offline(True)
    page.click("[data-testid=nav-milestones]")
    page.click("[data-testid=production-order-link]")
    page.select_option("#stage", "sewing")
    page.fill("#quantity", "400")
    page.fill("#occurred_on", "2026-03-10")
    page.set_input_files("[data-testid=photo-milestone]", str(make_photo(tmp_path / "line.jpg", (1200, 900), 1)))
    page.fill("#milestone-note", "Line 4 started <b>late</b>")
    page.click("[data-testid=record-milestone]")
    page.wait_for_selector("text=Choose the delay reason")  # later than the planned finish
    page.select_option("#delay_reason", "late_fabric")
    page.click("[data-testid=record-milestone]")
    page.wait_for_selector("text=Sewing recorded.")
    assert page.locator("[data-testid=milestone]").count() == 2  # the world's "cut" and this one
    assert pending(page) == 3  # the event, its photo record, the photo's bytes

    phone.set_offline(False)
    wait_synced(page)
    from server.extensions import db

    with app.app_context():
        event = db.session.scalars(select(MilestoneEvent).where(MilestoneEvent.stage == "sewing")).one()
        assert (event.quantity, str(event.occurred_on), event.delay_reason, event.note) == (
            400, "2026-03-10", "late_fabric", "Line 4 started <b>late</b>")
        photo = db.session.scalars(select(Photo).where(Photo.milestone_event_id == event.id)).one()
        assert (photo.kind, photo.storage_state) == ("milestone", "stored")


def test_pin_guards_the_offline_app(phone, live_app):
    base, _app = live_app
    page = phone.new_page()
    login(page, base)
    page.click("[data-testid=nav-sync]")
    page.fill("#new-pin", "12a")
    page.click("[data-testid=set-pin]")
    page.wait_for_selector("text=A PIN is 4 to 8 digits.")
    page.fill("#new-pin", "4821")
    page.click("[data-testid=set-pin]")
    page.wait_for_selector("text=PIN saved.")

    phone.set_offline(True)
    page.goto(base + "/#/")
    page.reload()
    page.wait_for_selector("#pin")
    assert page.locator("[data-testid=inspection-link]").count() == 0
    assert page.is_hidden("#app-nav")
    page.fill("#pin", "0000")
    page.click("[data-testid=unlock]")
    page.wait_for_selector("text=Wrong PIN.")
    page.fill("#pin", "4821")
    page.click("[data-testid=unlock]")
    page.wait_for_selector("[data-testid=inspection-link]")

    # Five wrong tries end the local session: back to the online log-in, the data stays. Each try is checked
    # (PBKDF2, slow on a busy machine) and counted before the next is typed.
    page.reload()
    for tries in range(1, 5):
        page.fill("#pin", "1111")
        page.click("[data-testid=unlock]")
        wait_until(page, "async (n) => (await (await import('/js/db.js')).getMeta('pin')).tries === n", arg=tries)
    page.fill("#pin", "1111")
    page.click("[data-testid=unlock]")
    page.wait_for_selector("#email")


def test_uploaded_photos_can_be_pruned_waiting_ones_never(phone, live_app, tmp_path):
    base, _app = live_app
    page = phone.new_page()
    login(page, base)
    page.goto(base + f"/#/inspection/{world.INSPECTION_A}")
    page.set_input_files("[data-testid=photo-inspection]", str(make_photo(tmp_path / "a.jpg", (900, 600), 2)))
    # The photo is resized and stored a moment after it is chosen: a sync before that has nothing to send.
    wait_until(page, "async () => (await (await import('/js/db.js')).pendingCounts()).photos === 1")
    wait_synced(page)  # uploaded
    assert page.evaluate("async () => (await (await import('/js/db.js')).uploadedPhotoBytes()).count") == 1
    phone.set_offline(True)
    page.set_input_files("[data-testid=photo-inspection]", str(make_photo(tmp_path / "b.jpg", (900, 600), 3)))
    wait_until(page, "async () => (await (await import('/js/db.js')).pendingCounts()).photos === 1")

    page.click("[data-testid=nav-sync]")
    page.wait_for_selector("[data-testid=storage]")
    page.click("[data-testid=prune]")
    page.wait_for_selector("text=Removed 1 photo,")
    states = page.evaluate("""async () => {
        const db = await (await import('/js/db.js')).openDatabase();
        return (await db.getAll('photos')).map((p) => p.state);
    }""")
    assert states == ["waiting"]
    phone.set_offline(False)
    wait_synced(page)


def test_exported_unsynced_data_is_imported_by_the_server_once(phone, live_app, tmp_path):
    from server.models import InspectionDefect, Photo

    base, app = live_app
    page = phone.new_page()
    login(page, base)
    phone.set_offline(True)
    page.goto(base + f"/#/inspection/{world.INSPECTION_A}")
    for _ in range(3):
        page.click("[data-testid=tally-WKM-001-minor]")
    wait_until(page, "() => document.querySelector('[data-testid=count-minor]')?.textContent === '3'")
    page.set_input_files("[data-testid=photo-defect]", str(make_photo(tmp_path / "d.jpg", (1000, 800), 4)))
    wait_until(page, "async () => (await (await import('/js/db.js')).pendingCounts()).photos === 1")
    defects_before = _count(app, InspectionDefect)

    page.click("[data-testid=nav-sync]")
    with page.expect_download() as download:
        page.click("[data-testid=export]")
    path = tmp_path / "export.json"
    download.value.save_as(path)
    exported = json.loads(path.read_text())
    assert exported["format"] == "seamline-unsynced" and len(exported["photos"]) == 1
    assert [m["entity"] for m in exported["mutations"]].count("inspection_defect") == 3

    # The phone is lost: the file goes to the server through the import, from another device, twice.
    phone.set_offline(False)
    page.set_input_files("#import-file", str(path))
    page.click("[data-testid=import]")
    page.wait_for_selector("text=Imported.")
    page.click("[data-testid=import]")
    page.wait_for_selector("text=Imported.")
    assert _count(app, InspectionDefect) == defects_before + 3
    assert _count(app, Photo, Photo.sha256 == exported["photos"][0]["sha256"], Photo.storage_state == "stored") == 1
    wait_synced(page)  # and the phone itself, back online, adds nothing more
    assert _count(app, InspectionDefect) == defects_before + 3


def test_indexeddb_upgrades_from_every_earlier_version_keep_the_data(phone, live_app):
    """Builds each earlier schema with the app's own migrations, fills it, then opens it as the app does."""
    base, _app = live_app
    page = phone.new_page()
    page.goto(base + "/")
    page.wait_for_selector("#email")
    results = page.evaluate("""async () => {
        const { openDB } = await import('/vendor/idb/index.js');
        const { MIGRATIONS, DB_VERSION, upgradeFrom } = await import('/js/db.js');
        const results = [];
        for (let version = 1; version < DB_VERSION; version += 1) {
            const name = `upgrade-from-${version}`;
            const old = await openDB(name, version, {
                upgrade(db, oldVersion, _new, tx) { upgradeFrom(db, oldVersion, tx, MIGRATIONS.slice(0, version)); },
            });
            // Two acknowledged mutations (kept for a restored server) and one waiting to be sent.
            for (const [id, acked] of [[1, 1], [2, 1], [3, 0]]) {
                await old.put('outbox', { id, entity: 'inspection_defect', op: 'upsert', record_id: `r${id}`,
                                          fields: {}, acked });
            }
            await old.put('meta', { key: 'next_mutation_id', value: 4 });
            // From version 3 on, how far the server acknowledged is a meta row (an `acked` flag before).
            if (version >= 3) await old.put('meta', { key: 'acked_through', value: 2 });
            // Two acknowledged records of two kinds, in the replica.
            await old.put('replica', { entity: 'inspection', id: 'i1', version: 7, deleted: false, fields: { note: 'a' } });
            await old.put('replica', { entity: 'inspection_defect', id: 'd1', version: 8, deleted: false, fields: {} });
            await old.put('photos', { sha256: 'ab', data: new ArrayBuffer(8), state: 'waiting' });
            await old.put('photos', { sha256: 'cd', data: new ArrayBuffer(8), state: 'uploaded' });
            await old.put('meta', { key: 'user', value: { id: 'u1' } });
            old.close();
            const upgraded = await openDB(name, DB_VERSION, {
                upgrade(db, oldVersion, _new, tx) { upgradeFrom(db, oldVersion, tx); },
            });
            results.push({
                version,
                outbox: await upgraded.count('outbox'),
                outboxIndexes: [...upgraded.transaction('outbox').store.indexNames],
                ackedThrough: (await upgraded.get('meta', 'acked_through'))?.value,
                waiting: await upgraded.countFromIndex('photos', 'by_state', 'waiting'),
                user: (await upgraded.get('meta', 'user')).value.id,
                stores: [...upgraded.objectStoreNames].sort(),
                replicaIndexes: [...upgraded.transaction('replica').store.indexNames],
                // One kind's rows as the app reads them: the key range of their [entity, id] keys.
                inspections: (await upgraded.getAll('replica', IDBKeyRange.bound(['inspection'], ['inspection', []])))
                    .map((row) => row.id),
            });
            upgraded.close();
        }
        return { results, latest: DB_VERSION };
    }""")
    assert results["latest"] >= 2
    assert [r["version"] for r in results["results"]] == list(range(1, results["latest"]))
    for result in results["results"]:
        assert (result["outbox"], result["waiting"], result["user"]) == (3, 1, "u1"), result
        # The unsent mutations are now the key range past acked_through; no index over every row is left.
        assert (result["ackedThrough"], result["outboxIndexes"]) == (2, []), result
        assert result["stores"] == ["conflicts", "meta", "outbox", "photos", "rejections", "replica"]
        # The replica's rows of a kind are a key range: no index repeats the entity.
        assert (result["replicaIndexes"], result["inspections"]) == ([], ["i1"]), result
