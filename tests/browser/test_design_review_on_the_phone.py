"""Design reviews reach the inspector's phone with the factory's records: the inspection of a style shows what
design decided about that style's defects (root cause, status, the thread), offline as everything else."""

from __future__ import annotations

import world
from helpers import login, wait_synced


def test_the_inspector_sees_the_design_review_of_the_style(phone, live_app):
    base, app = live_app
    with app.app_context():  # the library's names in Vietnamese, as the demo's defect types have them
        from server.extensions import db
        from server.models import DefectType
        from server.services import changes

        with changes.recording(None, "seed"):
            db.session.get(DefectType, world.DEFECT_TYPE).names_translated = {"vi": "Đứt chỉ", "zh": "断线"}
        db.session.remove()
    page = phone.new_page()
    login(page, base, "inspector_a")
    wait_synced(page)
    page.evaluate("(id) => { location.hash = `#/inspection/${id}/tally`; }", str(world.INSPECTION_A))
    notes = page.locator("[data-testid=design-notes]")
    notes.wait_for()
    notes.locator("summary").click()
    note = notes.locator("[data-testid=design-note]")
    assert note.count() == 1
    text = note.inner_text()
    assert "WKM-001 Broken stitch" in text and "Acknowledged" in text and "Workmanship" in text
    assert "the line needs training" in text
    page.context.set_offline(True)
    page.reload()
    page.locator("[data-testid=design-notes]").wait_for()
    # In Vietnamese, the defect is named as the tally names it (it stayed "Broken stitch").
    page.evaluate("() => { location.hash = '#/sync'; }")
    page.select_option("[data-testid=language]", "vi")
    page.evaluate("(id) => { location.hash = `#/inspection/${id}/tally`; }", str(world.INSPECTION_A))
    page.locator("[data-testid=design-notes] summary").click()
    assert "WKM-001 Đứt chỉ" in page.locator("[data-testid=design-note]").inner_text()
    page.context.set_offline(False)
