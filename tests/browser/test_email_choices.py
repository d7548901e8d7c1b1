"""The sync screen's e-mail choices: the server's events, ticked as the server has them, saved when ticked."""

from __future__ import annotations

import world
from helpers import assert_accessible, login, wait_synced, wait_until

from server.extensions import db
from server.models import EmailSubscription


def _chosen(app):
    with app.app_context():
        rows = db.session.scalars(db.select(EmailSubscription.event)
                                  .where(EmailSubscription.user_id == world.user_id("inspector_a"))).all()
        db.session.remove()
        return sorted(rows)


def test_an_inspector_chooses_e_mails_on_the_sync_screen(phone, live_app):
    base, app = live_app
    page = phone.new_page()
    login(page, base)
    wait_synced(page)  # brings the vocabulary, which names the events
    page.goto(base + "/#/sync")
    page.wait_for_selector("[data-testid=email-inspection_failed]")
    boxes = page.locator("[data-testid=email-choices] input[type=checkbox]")
    assert boxes.count() == 5 and not any(boxes.nth(i).is_checked() for i in range(5))
    assert "An inspection fails" in page.text_content("[data-testid=email-choices]")

    page.check("[data-testid=email-inspection_failed]")
    wait_until(page, "() => document.querySelector('[data-testid=email-choices-note]').textContent !== ''")
    assert _chosen(app) == ["inspection_failed"]
    page.check("[data-testid=email-inspection_finalized]")
    wait_until(page, "async () => (await (await fetch('/api/v1/notification-preferences')).json()).events.length === 2")
    assert _chosen(app) == ["inspection_failed", "inspection_finalized"]

    page.reload()
    page.wait_for_selector("[data-testid=email-inspection_failed]")
    assert page.is_checked("[data-testid=email-inspection_failed]")
    assert page.is_checked("[data-testid=email-inspection_finalized]")
    assert not page.is_checked("[data-testid=email-review_status_changed]")
    assert_accessible(page, "sync with e-mail choices")
