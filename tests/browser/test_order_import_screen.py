"""The managers' purchase-order import in Chromium: a file with a mistake is refused with its row and column and
imports nothing; a valid file's dry run says what would change, the import writes it, and the order's page shows
its lines and its history. Then the same pages on a 360 px phone."""

from __future__ import annotations

import world
from helpers import assert_accessible, save_screenshot, wait_until

HEADER = ("po_number,factory_code,season,order_date,status,incoterm,currency,style_number,colourway,sizes,quantity,"
          "unit_price,ex_factory_date,in_warehouse_date")
GOOD = [
    "PO-77,FA,SS26,2026-03-01,confirmed,FOB,USD,ST-1,Navy,S=100; M=200,300,4.25,2026-06-01,2026-07-01",
    "PO-77,FA,SS26,2026-03-01,confirmed,FOB,USD,ST-1,Ecru,M=50,50,4.3,2026-06-01,",
]
READY = "() => document.querySelector('main')?.dataset.ordersReady === 'true'"


def _csv(*rows: str) -> dict:
    return {"name": "orders.csv", "mimeType": "text/csv", "buffer": ("\r\n".join([HEADER, *rows]) + "\r\n").encode()}


def _no_horizontal_scroll(page):
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def test_import_screen_refuses_with_row_and_column_then_imports_and_the_order_shows_it(browser, live_app):
    base, _app = live_app
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(base + "/")
    page.fill("#email", world.PERSONAS["manager"][0])
    page.fill("#password", world.PASSWORD)
    page.click("button[type=submit]")
    page.click("[data-testid=nav-orders]")
    wait_until(page, READY)
    assert page.locator("[data-testid=order-link]").all_inner_texts() == ["PO-A-1", "PO-B-1"]
    # Filters live in the URL.
    page.select_option("[data-testid=orders-filter-factory_id]", str(world.FACTORY_B))
    wait_until(page, "() => location.hash.includes('factory_id=')"
                     " && document.querySelectorAll('[data-testid=order-link]').length === 1")
    assert page.locator("[data-testid=order-link]").inner_text() == "PO-B-1"

    page.evaluate("() => { location.hash = '#/orders'; }")
    wait_until(page, "() => document.querySelectorAll('[data-testid=order-link]').length === 2")
    page.click("[data-testid=orders-import-link]")
    page.wait_for_selector("[data-testid=import-file]")
    assert page.locator("[data-testid=import-check]").is_disabled()
    assert page.locator("[data-testid=import-columns]").inner_text() == HEADER.replace(",", ", ")

    # A bad decimal on the second line: the dry run names row 3, column unit_price, and nothing is imported.
    page.set_input_files("[data-testid=import-file]", files=[_csv(GOOD[0], GOOD[1].replace("4.3", "4.3x"))])
    page.click("[data-testid=import-check]")
    page.wait_for_selector("[data-testid=import-problems]")
    cells = page.locator("[data-testid=import-problems] tbody tr").first.locator("th, td").all_inner_texts()
    assert cells[:2] == ["3", "unit_price"] and "number" in cells[2]
    assert "nothing was imported" in page.locator("[data-testid=import-error]").inner_text()
    assert page.locator("[data-testid=import-run]").count() == 0
    assert_accessible(page, "import problems")

    # The corrected file: the dry run says what would change, writes nothing; then the import.
    page.set_input_files("[data-testid=import-file]", files=[_csv(*GOOD)])
    page.click("[data-testid=import-check]")
    page.wait_for_selector("[data-testid=import-dry-run]")
    counts = page.locator("[data-testid=import-counts] strong").all_inner_texts()
    assert counts == ["1", "0", "0", "2"]
    assert "PO-77" in page.locator("[data-testid=import-changes]").inner_text()
    page.click("[data-testid=import-run]")
    page.wait_for_selector("[data-testid=import-done]")
    page.click("[data-testid=imported-order]")
    page.wait_for_selector("[data-testid=order-title]")
    wait_until(page, READY)
    assert page.locator("[data-testid=order-title]").inner_text().startswith("PO-77")
    lines = page.locator("[data-testid=order-lines]").inner_text()
    assert "Navy" in lines and "S=100; M=200" in lines and "4.2500 USD" in lines and "4.3000 USD" in lines
    history = page.locator("[data-testid=history-entry]").all_inner_texts()
    assert any("Created: Purchase order PO-77" in entry and "Manager" in entry and "by a file import" in entry
               for entry in history)
    assert_accessible(page, "purchase order")
    save_screenshot(page, "purchase-order-laptop", full_page=True)

    # Usable on a 360 px phone: nothing runs off the side (tables scroll inside their card).
    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    wait_until(page, READY)
    page.wait_for_selector("[data-testid=order-lines]")
    _no_horizontal_scroll(page)
    page.evaluate("() => { location.hash = '#/orders/import'; }")
    page.wait_for_selector("[data-testid=import-file]")
    _no_horizontal_scroll(page)
    save_screenshot(page, "purchase-order-import-phone")
    context.close()
