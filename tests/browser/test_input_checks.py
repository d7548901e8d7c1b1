"""The phone checks what the inspector types before anything reaches the outbox (issue 12): the server's own
limits, served with the vocabulary, next to the field in the server's words; a question where a typo is
likely, which the inspector confirms or fixes; the lot size corrected until finalize, with the plan following."""

from __future__ import annotations

import re
import uuid

import world
from helpers import login, pending, wait_synced, wait_until

from server.extensions import db
from server.models import Inspection, InspectionItem

LOCAL = """async ([entity, id]) => (await import('/js/db.js')).record(entity, id)"""


def _local(page, entity, record_id):
    return page.evaluate(LOCAL, [entity, str(record_id)])


def _type(page, selector, value):
    """Type a value and move on, as the inspector does (the quantity and measurement fields save on change)."""
    page.fill(selector, value)
    page.locator(selector).blur()


def _wait_pending(page, count):
    wait_until(page, """async (n) => {
        const counts = await (await import('/js/db.js')).pendingCounts();
        return counts.mutations + counts.photos === n;
    }""", arg=count)


def _problem(page, control_id, text):
    page.wait_for_selector(f"#problem-{control_id}[role=alert]:has-text('{text}')")


def test_every_typed_field_is_checked_with_the_servers_limits_next_to_it_before_the_outbox(phone, live_app):
    base, _app = live_app
    page = phone.new_page()
    login(page, base)
    phone.set_offline(True)  # what waits in the outbox stays there to be counted
    assert pending(page) == 0

    page.goto(base + f"/#/inspection/{world.INSPECTION_A}/quantity")
    page.wait_for_selector("#packed_quantity")
    _type(page, "#packed_quantity", "2.5")  # used to be floored to 2 and recorded
    _problem(page, "packed_quantity", "Must be a whole number from 0 to 10,000,000.")
    _type(page, "#carton_count", "20000000")
    _problem(page, "carton_count", "Must be a whole number from 0 to 10,000,000.")
    assert pending(page) == 0 and _local(page, "inspection", world.INSPECTION_A).get("packed_quantity") is None
    _type(page, "#packed_quantity", "950")
    wait_until(page, "() => !document.querySelector('#problem-packed_quantity')")
    wait_until(page, f"async () => (await ({LOCAL})(['inspection', '{world.INSPECTION_A}'])).packed_quantity === 950")
    assert pending(page) == 1
    page.fill("#packed_quantity", "")
    page.keyboard.type("1e")  # unreadable as a number: the browser reports it as empty, yet it was not cleared
    page.locator("#packed_quantity").blur()
    _problem(page, "packed_quantity", "Must be a whole number from 0 to 10,000,000.")
    assert pending(page) == 1 and _local(page, "inspection", world.INSPECTION_A)["packed_quantity"] == 950

    page.click("[data-testid=tab-measure]")
    page.select_option("#unit", "2")
    wait_until(page, "() => document.querySelector('[data-testid=measure-A]')?.value === ''")
    _type(page, "[data-testid=measure-A]", "52.345")  # used to be rounded to 52.35 without a word
    _problem(page, "m-" + str(world.SPEC), "Must be a number from 0.00 to 999,999.99 with at most 2 decimal places.")
    assert pending(page) == 1

    page.goto(base + f"/#/milestones/{world.PROD_ORDER_A}")
    page.wait_for_selector("[data-testid=record-milestone]")
    # The history's days read as every other day on the phone does (they were ISO, "2026-03-01").
    assert "Mar 1, 2026" in page.inner_text("[data-testid=milestone]")
    page.select_option("#stage", "packed")
    page.click("[data-testid=record-milestone]")
    _problem(page, "quantity", "Required: fill this in.")
    page.fill("#quantity", "2.5")
    page.click("[data-testid=record-milestone]")
    _problem(page, "quantity", "Must be a whole number from 0 to 11,000,000.")
    page.fill("#occurred_on", "")
    page.click("[data-testid=record-milestone]")
    _problem(page, "occurred_on", "Required: fill this in.")
    assert pending(page) == 1

    page.goto(base + "/#/inspection/new")
    page.wait_for_selector("#lot_size")
    page.fill("#lot_size", "2.5")  # the plan slot says what is allowed as it is typed (it used to blame the tables)
    page.wait_for_selector("[data-testid=plan]:has-text('Must be a whole number from 1 to 10,000,000.')")
    page.fill("#lot_size", "")
    page.click("[data-testid=start]")
    _problem(page, "lot_size", "Required: fill this in.")
    page.fill("#lot_size", "0")
    page.click("[data-testid=start]")
    _problem(page, "lot_size", "Must be a whole number from 1 to 10,000,000.")
    assert pending(page) == 1


def _question(page, *texts):
    page.wait_for_selector("[data-testid=question]")
    # Numbers may be grouped in the phone's locale (1,000): compared without the grouping.
    shown = [re.sub(r"(?<=\d)[,\u202f\xa0](?=\d{3})", "", line)
             for line in page.locator("[data-testid=question-text]").all_text_contents()]
    assert all(any(text in line for line in shown) for text in texts), shown
    return shown


def test_likely_typos_are_asked_about_and_the_inspector_confirms_or_fixes(phone, live_app):
    base, _app = live_app
    page = phone.new_page()
    login(page, base)
    phone.set_offline(True)
    inspection = str(world.INSPECTION_A)
    page.goto(base + f"/#/inspection/{inspection}/quantity")
    page.wait_for_selector("#ordered_quantity")
    _type(page, "#ordered_quantity", "1000")
    wait_until(page, f"async () => (await ({LOCAL})(['inspection', '{inspection}'])).ordered_quantity === 1000")

    # 1,200 packed of 1,000 ordered in a lot of 1,000: asked, and "Fix it" records nothing.
    _type(page, "#packed_quantity", "1200")
    _question(page, "more than 110% of the 1000 ordered", "more than the lot of 1000")
    before = pending(page)
    page.click("[data-testid=question-fix]")
    page.wait_for_selector("[data-testid=question]", state="detached")
    assert page.evaluate("() => document.activeElement.id") == "packed_quantity"
    assert pending(page) == before and _local(page, "inspection", inspection).get("packed_quantity") is None
    _type(page, "#packed_quantity", "950")
    wait_until(page, f"async () => (await ({LOCAL})(['inspection', '{inspection}'])).packed_quantity === 950")
    assert page.locator("[data-testid=question]").count() == 0

    # More cartons than pieces: asked, and "Yes, record it" records it.
    _type(page, "#carton_count", "2000")
    _question(page, "2000 cartons is more than the 950 pieces packed")
    page.click("[data-testid=question-yes]")
    wait_until(page, f"async () => (await ({LOCAL})(['inspection', '{inspection}'])).carton_count === 2000")

    # 25 for a 52 cm chest width is more than half the spec away: asked before it is recorded.
    page.click("[data-testid=tab-measure]")
    page.select_option("#unit", "2")
    wait_until(page, "() => document.querySelector('[data-testid=measure-A]')?.value === ''")
    _type(page, "[data-testid=measure-A]", "25")
    _question(page, "25 is more than half the spec (52.00")
    with_question = pending(page)
    page.click("[data-testid=question-yes]")
    wait_until(page, "() => document.querySelector('.measure.out') !== null")
    _wait_pending(page, with_question + 1)

    # A milestone that goes back: an earlier stage than the recorded "cut", a lower cut than the last 1,000.
    page.goto(base + f"/#/milestones/{world.PROD_ORDER_A}")
    page.wait_for_selector("[data-testid=record-milestone]")
    before = pending(page)
    page.select_option("#stage", "fabric_received")
    page.fill("#quantity", "1000")
    page.click("[data-testid=record-milestone]")
    _question(page, "Fabric received is earlier than Cut")
    page.click("[data-testid=question-fix]")
    assert pending(page) == before
    page.select_option("#stage", "cut")
    page.fill("#quantity", "100")
    page.click("[data-testid=record-milestone]")
    _question(page, "100 is lower than the 1000 last recorded for Cut")
    page.click("[data-testid=question-yes]")
    page.wait_for_selector("text=Cut recorded.")
    _wait_pending(page, before + 1)


def test_the_lot_size_is_corrected_until_finalize_and_the_plan_and_verdict_follow(phone, live_app):
    base, app = live_app
    page = phone.new_page()
    login(page, base)
    phone.set_offline(True)
    inspection = str(world.INSPECTION_A)
    # Six major defects: above Ac 5 of lot 1,000 (code J), within Ac 7 of lot 3,000 (code K).
    page.evaluate("""async ([inspectionId, defectTypeId]) => {
        const db = await import('/js/db.js');
        const majors = [...(await db.records('inspection_defect')).values()]
            .filter((d) => d.inspection_id === inspectionId && d.severity === 'major').length;
        for (let n = majors; n < 6; n += 1) {
            await db.upsert('inspection_defect',
                            { inspection_id: inspectionId, defect_type_id: defectTypeId, severity: 'major' });
        }
    }""", [inspection, str(world.DEFECT_TYPE)])
    added = pending(page)
    page.goto(base + f"/#/inspection/{inspection}/review")
    page.wait_for_selector("[data-testid=sample-size]")
    assert "80" in page.text_content("[data-testid=sample-size]")  # lot 1,000, level II: code J
    assert page.inner_text("[data-testid=verdict]") == "Fail"
    page.click("[data-testid=correct-lot]")
    page.fill("#lot-size-correction", "2.5")
    page.click("[data-testid=save-lot]")
    _problem(page, "lot-size-correction", "Must be a whole number from 1 to 10,000,000.")
    assert pending(page) == added
    page.fill("#lot-size-correction", "3000")
    page.click("[data-testid=save-lot]")
    page.wait_for_selector("[data-testid=lot-saved]")
    wait_until(page, "() => document.querySelector('[data-testid=sample-size]').textContent.includes('125')")  # K
    assert page.text_content("[data-testid=plan-major]") == "Ac 7 · Re 8"  # 2.5 at K
    wait_until(page, "() => document.querySelector('[data-testid=verdict]').textContent === 'Pass'")
    phone.set_offline(False)
    wait_synced(page)
    with app.app_context():
        assert db.session.get(Inspection, world.INSPECTION_A).lot_size == 3000
        assert db.session.get(InspectionItem, world.INSPECTION_ITEM_A).quantity == 3000  # the item followed

    # Finalized (here by the API, as another phone of the inspector would), the lot size is no longer offered.
    page.evaluate("""async (id) => {
        const api = await import('/js/api.js');
        const inspection = await api.getJson(`/api/v1/inspections/${id}`);
        const pass = { critical: 'pass', major: 'pass', minor: 'pass', overall: 'pass' };
        await api.postJson(`/api/v1/inspections/${id}/finalize`, { verdict: pass, plan: inspection.plan });
    }""", inspection)
    wait_synced(page)
    page.goto(base + f"/#/inspection/{inspection}/review")
    page.reload()
    page.wait_for_selector("[data-testid=finalized]")
    assert page.locator("[data-testid=correct-lot]").count() == 0


def test_an_inspection_refused_for_its_lot_size_is_corrected_on_its_own_screen(phone, live_app):
    base, app = live_app
    page = phone.new_page()
    login(page, base)
    # Recorded by an older app that did not check the lot size: refused by the server, kept on the phone.
    inspection = page.evaluate("""async (factory) => (await import('/js/db.js')).upsert('inspection', {
        inspection_type: 'inline', factory_id: factory, lot_size: 99999999999, inspection_level: 'II',
        aql_critical: '0', aql_major: '2.5', aql_minor: '4.0', status: 'in_progress' })""", str(world.FACTORY_A))
    wait_synced(page)
    page.goto(base + f"/#/inspection/{inspection}")
    _problem(page, "lot-size-correction", "Must be a whole number from 1 to 10,000,000.")  # open, with the reason
    page.fill("#lot-size-correction", "5000")
    page.click("[data-testid=save-lot]")
    page.wait_for_selector("[data-testid=lot-saved]")
    wait_until(page, "() => document.querySelector('[data-testid=sample-size]')?.textContent.includes('200')")  # L
    wait_synced(page)
    with app.app_context():
        assert db.session.get(Inspection, uuid.UUID(inspection)).lot_size == 5000
    page.reload()
    page.wait_for_selector("[data-testid=tab-tally]")
    assert page.locator("[data-testid=correct-lot]").count() == 0  # accepted: the tally is no longer crowded


def test_the_plausibility_limits_themselves_are_not_asked_about(page, live_app):
    base, _app = live_app
    page.goto(base + "/")
    page.wait_for_selector("#email")
    asked = page.evaluate("""async () => {
        const { measurementQuestions, quantityQuestions } = await import('/js/plausibility.js');
        const spec = { spec_value: '52.00', unit: 'cm' };
        const packed = (value, lot = 5000) => quantityQuestions({ ordered_quantity: 1000, packed_quantity: value,
                                                                 lot_size: lot }, 'packed_quantity').length;
        return {
            packed: [packed(1100), packed(1101), packed(1000, 1000), packed(1001, 1000), packed(null)],
            cartons: [40, 950, 951].map((n) => quantityQuestions({ packed_quantity: 950, carton_count: n },
                                                                'carton_count').length),
            unrelated: quantityQuestions({ ordered_quantity: 10, packed_quantity: 950 }, 'carton_count').length,
            measured: ['26', '25.99', '78', '78.01', '52'].map((v) => measurementQuestions(spec, v).length),
        };
    }""")
    assert asked["packed"] == [0, 1, 0, 1, 0]  # 110 % of the ordered and the whole lot are still plausible
    assert asked["cartons"] == [0, 0, 1]
    assert asked["unrelated"] == 0  # only what the change touches is asked about
    assert asked["measured"] == [0, 1, 0, 1, 0]  # exactly half the spec away is not asked
