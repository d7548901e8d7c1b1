"""Work the server refuses never vanishes from the phone: it stays where it was, marked with the reason, and a
correction sends it again with what depends on it (issue 12's first item, on the served field limits)."""

from __future__ import annotations

import uuid

import world
from helpers import PIXEL_7, login, pending, wait_synced, wait_until

from server.extensions import db
from server.models import DefectType, Inspection, InspectionDefect
from server.services import changes

RECORD = """async (ids) => {
    const db = await import('/js/db.js');
    const id = await db.upsert('inspection', { inspection_type: 'final', factory_id: ids.factory, lot_size: 99999999999,
        inspection_level: 'II', aql_critical: '0', aql_major: '2.5', aql_minor: '4.0', status: 'in_progress' });
    const defect = await db.upsert('inspection_defect', { inspection_id: id, defect_type_id: ids.defectType,
        severity: 'major', note: 'open seam' });
    return { id, defect };
}"""

SHOWN = """async (ids) => {
    const db = await import('/js/db.js');
    const inspection = await db.record('inspection', ids.id);
    const defect = await db.record('inspection_defect', ids.defect);
    return { inspection, defect, refusals: (await db.rejections()).length };
}"""


def test_a_refused_inspection_stays_visible_and_a_correction_sends_it_with_its_defects(phone, live_app):
    base, app = live_app
    page = phone.new_page()
    login(page, base)
    ids = page.evaluate(RECORD, {"factory": str(world.FACTORY_A), "defectType": str(world.DEFECT_TYPE)})
    wait_synced(page)
    shown = page.evaluate(SHOWN, ids)
    # Refused (lot size out of range; the defect's inspection unknown), and still on the phone, with the reason.
    assert shown["inspection"]["_refused"]["fields"]["lot_size"] == ["Must be a whole number from 1 to 10,000,000."]
    assert shown["inspection"]["lot_size"] == 99999999999
    assert shown["defect"]["_refused"] and shown["refusals"] == 2
    page.goto(base + "/#/")
    page.wait_for_selector("[data-testid=not-accepted]")
    page.goto(base + "/#/sync")
    wait_until(page, "() => [...document.querySelectorAll('[data-testid=rejection-field]')]"
                     ".some((e) => e.textContent.includes('10,000,000'))")
    # The inspector corrects the lot size: the inspection goes again whole, and its defect after it.
    page.evaluate("""async (id) => {
        const db = await import('/js/db.js');
        await db.upsert('inspection', { lot_size: 5000 }, id);
    }""", ids["id"])
    wait_synced(page)
    with app.app_context():
        inspection = db.session.get(Inspection, uuid.UUID(ids["id"]))
        assert inspection is not None and inspection.lot_size == 5000
        defect = db.session.get(InspectionDefect, uuid.UUID(ids["defect"]))
        assert defect is not None and defect.inspection_id == inspection.id
    after = page.evaluate(SHOWN, ids)
    assert after["refusals"] == 0 and "_refused" not in after["inspection"] and "_refused" not in after["defect"]


def test_the_set_up_checks_the_lot_size_with_the_servers_limits_before_anything_is_recorded(phone, live_app):
    base, _app = live_app
    page = phone.new_page()
    login(page, base)
    page.click("[data-testid=new-inspection]")
    for typo in ("2.5", "99999999999"):
        page.fill("#lot_size", typo)
        page.click("[data-testid=start]")
        page.wait_for_selector("p.error[role=alert]:has-text('Must be a whole number from 1 to 10,000,000.')")
        assert pending(page) == 0  # nothing reached the outbox
    page.fill("#lot_size", "3000")
    page.click("[data-testid=start]")
    page.wait_for_selector("[data-testid=tally-WKM-001-major]")


def test_a_vietnamese_inspector_reads_the_limits_and_discards_refused_work_only_after_a_confirmation(browser, live_app):
    """The limits used to be the server's English in every language, next to a defect library already translated;
    Discard had no test, and left the refused inspection's defects behind as orphans that could never be accepted."""
    base, app = live_app
    with app.app_context():  # the library's names in Vietnamese, as the demo's defect types have them
        with changes.recording(None, "seed"):
            db.session.get(DefectType, world.DEFECT_TYPE).names_translated = {"vi": "Đứt chỉ", "zh": "断线"}
        db.session.remove()
    phone = browser.new_context(**PIXEL_7, locale="vi-VN", service_workers="allow")
    try:
        page = phone.new_page()
        login(page, base)
        page.click("[data-testid=new-inspection]")
        for typo in ("2.5", "99999999999", "-5"):
            page.fill("#lot_size", typo)
            page.click("[data-testid=start]")
            page.wait_for_selector("#problem-lot_size:has-text('Phải là số nguyên từ 1 đến 10.000.000.')")
        assert pending(page) == 0

        # Refused work (recorded by an older app that did not check), with its reason in Vietnamese.
        ids = page.evaluate(RECORD, {"factory": str(world.FACTORY_A), "defectType": str(world.DEFECT_TYPE)})
        wait_synced(page)
        page.goto(base + "/#/")
        page.wait_for_selector("[data-testid=not-accepted]:has-text('Máy chủ không chấp nhận')")
        page.goto(base + "/#/sync")
        page.wait_for_selector("[data-testid=rejection-field]:has-text('Cỡ lô: Phải là số nguyên từ 1 đến 10.000.000.')")
        assert page.locator("[data-testid=rejection]").count() == 2  # the inspection and its defect
        assert "Có mục nằm ngoài giới hạn cho phép." in page.locator("[data-testid=rejection]").first.inner_text()
        assert "thuộc một lần kiểm" in page.locator("[data-testid=waits-for-inspection]").inner_text()
        # One tap to where it is corrected: its own screen, the lot size open with the reason.
        inspection_row = page.locator("[data-testid=rejection]", has_text="Cỡ lô: Phải là số nguyên")
        inspection_row.locator("[data-testid=correct-refused]").click()
        page.wait_for_selector("#problem-lot-size-correction:has-text('Phải là số nguyên từ 1 đến 10.000.000.')")
        assert ids["id"] in page.url
        assert page.locator(".library .defect-type").first.inner_text().startswith("Đứt chỉ")
        page.go_back()
        page.wait_for_selector("[data-testid=rejection] [data-testid=discard]")

        # Discard asks first: "no" keeps everything.
        asked = []

        def answer(accept):
            def handle(dialog):
                asked.append(dialog.message)
                dialog.accept() if accept else dialog.dismiss()
            return handle

        page.once("dialog", answer(False))
        inspection_row.locator("[data-testid=discard]").click()
        page.evaluate("() => document.readyState")  # answered only once the confirm() was closed
        assert asked and "phụ thuộc" in asked[0]
        assert page.locator("[data-testid=rejection]").count() == 2
        assert page.evaluate(SHOWN, ids)["refusals"] == 2

        # "Yes" discards the inspection and the defect that belongs to it, and only then.
        page.once("dialog", answer(True))
        inspection_row.locator("[data-testid=discard]").click()
        wait_until(page, "() => document.querySelectorAll('[data-testid=rejection]').length === 0")
        shown = page.evaluate(SHOWN, ids)
        assert shown == {"inspection": None, "defect": None, "refusals": 0}
        # The server's list of this phone's refusals does not bring them back.
        wait_synced(page)
        assert page.evaluate(SHOWN, ids)["refusals"] == 0
    finally:
        phone.close()


def test_a_refusal_other_than_a_limit_reads_in_the_phones_language_with_the_fields_label(browser, live_app):
    """Only range limits used to be said in the phone's language: any other refusal (here a defect's severity,
    which cannot change once recorded) showed the server's English sentence and an English field name."""
    base, _app = live_app
    phone = browser.new_context(**PIXEL_7, locale="vi-VN", service_workers="allow")
    try:
        page = phone.new_page()
        login(page, base)
        ids = page.evaluate("""async (ids) => {
            const db = await import('/js/db.js');
            const id = await db.upsert('inspection', { inspection_type: 'final', factory_id: ids.factory,
                lot_size: 3000, inspection_level: 'II', aql_critical: '0', aql_major: '2.5', aql_minor: '4.0',
                status: 'in_progress' });
            const defect = await db.upsert('inspection_defect', { inspection_id: id, defect_type_id: ids.defectType,
                severity: 'major' });
            return { id, defect };
        }""", {"factory": str(world.FACTORY_A), "defectType": str(world.DEFECT_TYPE)})
        wait_synced(page)
        page.evaluate("""async (defect) => {
            const db = await import('/js/db.js');
            await db.upsert('inspection_defect', { severity: 'minor' }, defect);
        }""", ids["defect"])
        wait_synced(page)
        refusal = page.evaluate("async () => (await (await import('/js/db.js')).rejections())")
        assert [(r["code"], r["fields"]) for r in refusal] == [
            ("immutable_field", {"severity": ["Cannot be changed after creation."]})]

        page.goto(base + "/#/sync")
        row = page.locator("[data-testid=rejection]")
        row.locator("[data-testid=rejection-field]:has-text('Mức độ lỗi: Không thể thay đổi sau khi bản ghi đã được "
                    "tạo.')").wait_for()
        assert "Một số mục không thể thay đổi" in row.locator("[data-testid=rejection-reason]").inner_text()
        assert "cannot be changed" not in row.inner_text().lower()  # the server's English is not what is shown
        # The other field messages the server sends are rebuilt from the served limits, not passed through.
        said = page.evaluate("""async () => {
            const { refusalInWords } = await import('/js/refusals.js');
            return [refusalInWords('inspection_defect', 'severity', ['Must be one of: critical, major, minor.']),
                    refusalInWords('inspection_defect', 'defect_type_id', ['Unknown defect type.']),
                    refusalInWords('inspection_defect', 'note', ['Length must be between 0 and 4000.']),
                    refusalInWords('inspection_defect', 'note', ['A rule the phone has no words for.'])];
        }""")
        assert said == ["Phải là một trong: critical, major, minor.",
                        "Không có trên máy chủ, hoặc không thuộc nhà máy của bạn.",
                        "Tối đa 4.000 ký tự.", "A rule the phone has no words for."]
        # The defect's own inspection says the same, where it was recorded.
        page.goto(base + f"/#/inspection/{ids['id']}")
        page.locator("[data-testid=record-issues] [data-testid=rejection-field]:has-text('Mức độ lỗi')").wait_for()
    finally:
        phone.close()
