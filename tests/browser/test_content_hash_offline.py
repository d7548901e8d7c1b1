"""The phone's content hash, computed offline right after finalize, equals the server's after sync."""

from __future__ import annotations

import world
from helpers import login, wait_synced, wait_until

RECORD_OFFLINE = """async (ids) => {
    const db = await import('/js/db.js');
    // As the set-up screen writes it: no count basis, no switching state (the server's defaults apply).
    const id = await db.upsert('inspection', { inspection_type: 'final', factory_id: ids.factory,
        production_order_id: ids.order, lot_size: 1000, inspection_level: 'II', aql_critical: '0', aql_major: '2.5',
        aql_minor: '4.0', status: 'in_progress', started_at: new Date().toISOString(),
        tech_pack_version_id: ids.techPack, inspector_id: ids.inspector });
    const defect = await db.upsert('inspection_defect', { inspection_id: id, defect_type_id: ids.defectType,
        severity: 'major', note: 'Đường may bị đứt 线头 সেলাই', location: null });
    await db.upsert('measurement_result', { inspection_id: id, measurement_spec_id: ids.spec, sample_unit: 1,
        measured_value: '52.5' });
    await db.upsert('checklist_result', { inspection_id: id, item_code: 'FI-001', result: 'pass' });
    const canvas = new OffscreenCanvas(64, 48);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#c0392b';
    ctx.fillRect(0, 0, 64, 48);
    const jpeg = await (await canvas.convertToBlob({ type: 'image/jpeg' })).arrayBuffer();
    await db.addPhoto(jpeg, { defect_id: defect, inspection_id: id, kind: 'defect', caption: 'left sleeve' });
    // Finalize, as the review screen does.
    await db.finalize(id, { verdict: { critical: 'pass', major: 'pass', minor: 'pass', overall: 'pass' },
        finished_at: new Date().toISOString(), disposition: 'release' });
    const { inspectionHash } = await import('/js/content-hash.js');
    return { id, hash: await inspectionHash(id) };
}"""


def test_offline_hash_equals_the_servers(phone, live_app):
    base, _app = live_app
    page = phone.new_page()
    login(page, base)
    phone.set_offline(True)
    ids = {"factory": str(world.FACTORY_A), "order": str(world.PROD_ORDER_A), "techPack": str(world.TECH_PACK),
           "inspector": str(world.user_id("inspector_a")), "defectType": str(world.DEFECT_TYPE),
           "spec": str(world.SPEC)}
    offline = page.evaluate(RECORD_OFFLINE, ids)
    assert len(offline["hash"]) == 64
    # Still offline: the printable report shows the result and the same hash, for the factory on the spot.
    page.evaluate("(id) => { location.hash = `#/inspection/${id}`; }", offline["id"])
    page.click("[data-testid=open-report]")
    wait_until(page, "() => document.querySelector('main')?.dataset.reportReady === 'true'")
    assert page.locator("[data-testid=report-hash]").inner_text() == offline["hash"]
    assert page.locator("[data-testid=report-verdict]").inner_text() == "Pass"
    report = page.locator("[data-testid=report]").inner_text()
    for expected in ("Factory A (FA)", "PO-A-1", "MO-A-1", "Đường may bị đứt 线头 সেলাই", "left sleeve", "Chest width",
                     "FI-001", "Release"):
        assert expected in report, expected
    assert page.locator("[data-testid=report] img").count() == 1
    page.emulate_media(media="print")
    assert page.locator("#app-nav").is_hidden() and page.locator("[data-testid=print]").is_hidden()
    page.emulate_media(media="screen")
    phone.set_offline(False)
    wait_synced(page)
    server = page.evaluate("async (id) => (await fetch(`/api/v1/inspections/${id}/verify`)).json()", offline["id"])
    assert server["status"] == "finalized"
    assert server["stored_hash"] == server["computed_hash"] == offline["hash"]
    # And from the replica as pulled (decimals as text, times with +00:00), the same value.
    again = page.evaluate("async (id) => (await import('/js/content-hash.js')).inspectionHash(id)", offline["id"])
    assert again == offline["hash"]
