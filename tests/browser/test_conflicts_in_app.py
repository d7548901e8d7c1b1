"""Two phones change the same inspection field offline: the conflict shows on the record and is resolved in the app."""

from __future__ import annotations

import world
from helpers import PIXEL_7, login, wait_synced, wait_until
from sqlalchemy import select


def _set_packed(page, value):
    page.goto(page.url.split("#")[0] + f"#/inspection/{world.INSPECTION_A}/quantity")
    page.wait_for_selector("#packed_quantity")
    page.fill("#packed_quantity", value)
    page.locator("#packed_quantity").blur()
    wait_until(page, "(v) => document.querySelector('#packed_quantity')?.value === v", arg=value)


def test_same_field_on_two_phones_conflicts_and_is_resolved_in_the_app(browser, live_app):
    base, app = live_app
    phones = [browser.new_context(**PIXEL_7, service_workers="allow") for _ in range(2)]
    try:
        first, second = (context.new_page() for context in phones)
        for page in (first, second):
            login(page, base)
        for context in phones:
            context.set_offline(True)
        _set_packed(first, "900")
        _set_packed(second, "950")
        # One after the other: the first phone's change reaches the server first.
        phones[0].set_offline(False)
        wait_synced(first)
        phones[1].set_offline(False)
        wait_synced(second)  # arrives second: the server keeps 900 and records the conflict

        from server.extensions import db
        from server.models import Inspection, SyncConflict

        with app.app_context():
            assert db.session.get(Inspection, world.INSPECTION_A).packed_quantity == 900
            conflict = db.session.scalars(select(SyncConflict)).one()
            assert (conflict.field, conflict.incoming_value) == ("packed_quantity", 950)

        # The second phone shows it on the inspection, with both values, and resolves it.
        second.reload()  # the screen was drawn before the sync; open it again
        second.wait_for_selector("[data-testid=record-issues] [data-testid=conflict]")
        second.wait_for_selector("[data-testid=issues-pill]")  # and the status bar says something needs attention
        second.click("[data-testid=record-issues] a[href='#/sync']")
        second.wait_for_selector("[data-testid=keep-stored]")
        assert second.locator("[data-testid=stored-value]").text_content() == "900"
        assert second.locator("[data-testid=incoming-value]").text_content() == "950"
        second.click("[data-testid=take-incoming]")
        wait_until(second, "() => document.querySelectorAll('[data-testid=conflict]').length === 0")

        with app.app_context():
            db.session.expire_all()
            assert db.session.get(Inspection, world.INSPECTION_A).packed_quantity == 950
            assert db.session.get(SyncConflict, conflict.id).resolution == "incoming"
        # Both phones converge on the resolved value; nothing waits anywhere.
        for page in (first, second):
            wait_synced(page)
            page.goto(base + f"/#/inspection/{world.INSPECTION_A}/quantity")
            page.reload()
            wait_until(page, "() => document.querySelector('#packed_quantity')?.value === '950'")
    finally:
        for context in phones:
            context.close()
