"""Corrective actions in the app: a failed finalize opens the action on the phone at once, offline, under the id the
server derives (one record once synced); a factory user answers an action offline and syncs; QC verifies and
closes it. The screens at 360 px, checked with axe."""

from __future__ import annotations

import uuid

import world
from helpers import PIXEL_7, assert_accessible, login, make_photo, save_screenshot, sign, wait_synced, wait_until
from sqlalchemy import func, select

NARROW = {**PIXEL_7, "viewport": {"width": 360, "height": 780}}


def _failing_inspection(app) -> str:
    """An inspection of factory A with 6 majors recorded on the server (J at 2.5 rejects at 6), not finalized."""
    from apps import ApiClient

    client = ApiClient(app.test_client())
    assert client.login(world.PERSONAS["inspector_a"][0], world.PASSWORD).status_code == 200
    inspection = client.post("/api/v1/inspections", json={
        "inspection_type": "final", "factory_id": str(world.FACTORY_A), "production_order_id": str(world.PROD_ORDER_A),
        "lot_size": 1000, "status": "in_progress"}).get_json()["id"]
    for _ in range(6):
        assert client.post("/api/v1/inspection-defects", json={
            "inspection_id": inspection, "defect_type_id": str(world.DEFECT_TYPE), "severity": "major"}).status_code == 201
    return inspection


def _action(app, action_id):
    from server.extensions import db
    from server.models import CorrectiveAction

    with app.app_context():
        db.session.expire_all()
        return db.session.get(CorrectiveAction, uuid.UUID(str(action_id)))


def test_the_phone_and_the_server_derive_the_same_action_id(phone, live_app):
    base, _app = live_app
    page = phone.new_page()
    login(page, base)
    derived = page.evaluate("async (id) => (await import('/js/corrective-actions.js')).correctiveActionId(id)",
                            str(world.INSPECTION_A))
    assert derived == str(world.CORRECTIVE_ACTION_A)


def test_a_failed_finalize_offline_opens_the_action_at_once_and_once(browser, live_app):
    from server.extensions import db
    from server.models import CorrectiveAction
    from server.models.corrective_actions import corrective_action_id

    base, app = live_app
    inspection = _failing_inspection(app)
    action_id = str(corrective_action_id(uuid.UUID(inspection)))
    context = browser.new_context(**NARROW, service_workers="allow")
    try:
        page = context.new_page()
        context.on("dialog", lambda dialog: dialog.accept())  # "Finalize? ..." is answered yes
        login(page, base)
        wait_synced(page)
        context.set_offline(True)
        page.goto(base + f"/#/inspection/{inspection}/review")
        page.wait_for_selector("[data-testid=review]")
        sign(page, "signature-inspector")
        page.fill("#representative", "Tran Van Minh")
        sign(page, "signature-factory", amplitude=30)
        page.click("[data-testid=finalize]")
        page.wait_for_selector("[data-testid=finalized]")
        # Offline, on the phone at once: the inspection links to its action, and the list shows it.
        page.click("[data-testid=open-action]")
        page.wait_for_selector("[data-testid=capa-problem]")
        assert page.url.endswith(f"#/actions/{action_id}")
        page.goto(base + "/#/actions")
        page.wait_for_selector(f"[data-testid=capa-row][data-id='{action_id}']")
        assert _action(app, action_id) is None  # nothing reached the server yet... but the server would open it too

        context.set_offline(False)
        wait_synced(page)
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(CorrectiveAction).where(
                CorrectiveAction.inspection_id == uuid.UUID(inspection))) == 1
        stored = _action(app, action_id)
        assert stored.status == "open" and stored.problem.startswith("Failed final inspection")
        # The phone now shows the server's words for the problem.
        page.goto(base + f"/#/actions/{action_id}")
        wait_until(page, "() => document.querySelector('[data-testid=capa-problem]')?.textContent.startsWith('Failed final')")
    finally:
        context.close()


def test_the_factory_answers_offline_and_qc_verifies_and_closes(browser, live_app, tmp_path):
    base, app = live_app
    url = f"/#/actions/{world.CORRECTIVE_ACTION_A}"
    factory_phone = browser.new_context(**NARROW, service_workers="allow")
    qc_phone = browser.new_context(**NARROW, service_workers="allow")
    try:
        factory = factory_phone.new_page()
        login(factory, base, "factory_a")
        wait_synced(factory)
        assert_accessible(factory, "inspections (factory user)")  # loads axe while online, for the checks offline
        factory_phone.set_offline(True)
        factory.goto(base + "/#/actions")
        row = f"[data-testid=capa-row][data-id='{world.CORRECTIVE_ACTION_A}']"
        factory.wait_for_selector(row)
        assert factory.locator(f"{row} [data-testid=capa-overdue]").count() == 1  # due 2026-06-01
        save_screenshot(factory, "capa-list")
        assert_accessible(factory, "corrective actions")
        factory.click(row)
        factory.wait_for_selector("[data-testid=capa-answer]")
        # Sending it to QC needs a root cause and an action: said next to the fields, nothing recorded.
        factory.click("[data-testid=capa-submit]")
        wait_until(factory, "() => document.querySelector('#root_cause')?.getAttribute('aria-invalid') === 'true'")
        factory.fill("#root_cause", "Worn needle plates on line 3.")
        factory.fill("#action", "Plates replaced; daily check added.")
        factory.fill("#owner", "Line 3 supervisor")
        factory.fill("#evidence_notes", "Maintenance log of 2026-06-03.")
        factory.set_input_files("[data-testid=photo-evidence]", str(make_photo(tmp_path / "plates.jpg", (1600, 1200), 7)))
        wait_until(factory, "() => document.querySelector('[data-testid=capa-photos-chosen]')?.textContent !== ''")
        factory.click("[data-testid=capa-submit]")
        wait_until(factory, "() => document.querySelector('[data-testid=action-status]')?.classList"
                            ".contains('capa-awaiting_verification')")
        save_screenshot(factory, "capa-answered")
        assert_accessible(factory, "corrective action answered")
        assert _action(app, world.CORRECTIVE_ACTION_A).status == "open"  # still offline
        factory.wait_for_selector("[data-testid=capa-evidence] [data-testid=thumb]")  # the photo, from the phone
        factory_phone.set_offline(False)
        wait_synced(factory)
        answered = _action(app, world.CORRECTIVE_ACTION_A)
        assert (answered.status, answered.root_cause, answered.owner) == (
            "awaiting_verification", "Worn needle plates on line 3.", "Line 3 supervisor")
        from server.extensions import db
        from server.models import Photo

        with app.app_context():
            (photo,) = db.session.scalars(select(Photo).where(Photo.corrective_action_id == world.CORRECTIVE_ACTION_A))
            assert (photo.kind, photo.factory_id, photo.storage_state) == ("evidence", world.FACTORY_A, "stored")

        qc = qc_phone.new_page()
        login(qc, base, "inspector_a")
        wait_synced(qc)
        qc.goto(base + url)
        qc.wait_for_selector("[data-testid=capa-verify]")
        assert qc.locator("[data-testid=capa-root-cause]").text_content() == "Worn needle plates on line 3."
        qc.wait_for_selector("[data-testid=capa-evidence] [data-testid=thumb]")
        save_screenshot(qc, "capa-verify")
        assert_accessible(qc, "corrective action verification")
        qc.fill("#verification_note", "New plates seen on the line.")
        qc.click("[data-testid=capa-close]")
        wait_until(qc, "() => document.querySelector('[data-testid=action-status]')?.classList.contains('capa-closed')")
        wait_synced(qc)
        closed = _action(app, world.CORRECTIVE_ACTION_A)
        assert (closed.status, closed.verified_by_id, closed.verification_note) == (
            "closed", world.user_id("inspector_a"), "New plates seen on the line.")
        assert closed.verified_at is not None
        # Closed: the factory's phone shows it closed with no form left to answer.
        wait_synced(factory)
        factory.reload()  # the action's screen was drawn before the sync
        wait_until(factory, "() => document.querySelector('[data-testid=action-status]')?.classList.contains('capa-closed')")
        assert factory.locator("[data-testid=capa-answer]").count() == 0
        assert factory.evaluate("() => document.documentElement.scrollWidth") <= 360
    finally:
        factory_phone.close()
        qc_phone.close()
