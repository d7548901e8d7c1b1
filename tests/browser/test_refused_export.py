"""The export of unsynced data holds the work the server refused, with the reasons, and the server still takes the
file (issue 12: "Export includes refused records")."""

from __future__ import annotations

import world
from helpers import login, wait_synced
from test_refused_work import RECORD

EXPORT_AND_IMPORT = """async () => {
    const { buildExport } = await import('/js/export.js');
    const { request } = await import('/js/api.js');
    const file = await buildExport();
    const form = new FormData();
    form.append('file', new Blob([JSON.stringify(file)], { type: 'application/json' }), 'unsynced.json');
    const response = await request('POST', '/api/v1/sync/import', { body: form });
    return { refused: file.refused, imported: await response.json() };
}"""


def test_the_export_holds_refused_work_with_its_reasons_and_imports_cleanly(phone, live_app):
    base, _app = live_app
    page = phone.new_page()
    login(page, base)
    ids = page.evaluate(RECORD, {"factory": str(world.FACTORY_A), "defectType": str(world.DEFECT_TYPE)})
    wait_synced(page)
    result = page.evaluate(EXPORT_AND_IMPORT)
    refused = {r["record_id"]: r for r in result["refused"]}
    assert set(refused) == {ids["id"], ids["defect"]}
    inspection = refused[ids["id"]]
    assert inspection["sent"]["lot_size"] == 99999999999 and inspection["code"] == "validation_error"
    assert inspection["fields"]["lot_size"] == ["Must be a whole number from 1 to 10,000,000."]
    # Everything in it was handled before: the import applies nothing twice and refuses nothing new.
    assert result["imported"]["mutations"]["applied"] == 0 and result["imported"]["mutations"]["rejected"] == 0
