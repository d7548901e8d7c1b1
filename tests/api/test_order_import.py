"""Purchase orders in and out as CSV: every refusal names row and column, nothing is written unless the whole
file is valid, a second import changes nothing, a dry run writes nothing, and an export imports as a no-op."""

from __future__ import annotations

import io
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import world

HEADER = ("po_number,factory_code,season,order_date,status,incoterm,currency,style_number,colourway,sizes,quantity,"
          "unit_price,ex_factory_date,in_warehouse_date")
GOOD_ROWS = [
    "PO-77,FA,SS26,2026-03-01,confirmed,FOB,USD,ST-1,Navy,S=100; M=200,300,4.25,2026-06-01,2026-07-01",
    "PO-77,FA,SS26,2026-03-01,confirmed,FOB,USD,ST-1,Ecru,M=50,50,4.3000,2026-06-01,",
    "PO-78,FB,AW26,2026-03-02,draft,,EUR,ST-1,Black,L=10; XL=20,30,12.5,2026-07-15,",
]
IMPORT = "/api/v1/purchase-orders/import"
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "purchase-orders.csv"


def csv_of(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def upload(client, body: bytes, dry_run: bool = False):
    return client.post(IMPORT + ("?dry_run=true" if dry_run else ""),
                       data={"file": (io.BytesIO(body), "orders.csv")}, content_type="multipart/form-data")


def problems(response) -> dict:
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_file"
    return error["fields"]


def audit_count(app) -> int:
    from sqlalchemy import func, select

    from server.extensions import db
    from server.models import AuditEntry

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry))


def lines_of(app, po_number: str) -> dict:
    from sqlalchemy import select

    from server.extensions import db
    from server.models import PurchaseOrder, PurchaseOrderLine

    with app.app_context():
        order = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.po_number == po_number))
        if order is None:
            return {}
        return {line.colourway: line for line in db.session.scalars(
            select(PurchaseOrderLine).where(PurchaseOrderLine.purchase_order_id == order.id))}


def test_a_valid_file_imports_every_order_and_line_with_exact_values(app, login_as):
    manager = login_as("manager")
    response = upload(manager, csv_of(*GOOD_ROWS))
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["dry_run"] is False
    assert report["orders"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert report["lines"] == {"created": 3, "updated": 0, "unchanged": 0}
    created = {o["po_number"]: o for o in report["changes"]}
    assert created["PO-77"]["action"] == "create" and created["PO-77"]["id"]
    assert created["PO-77"]["changes"]["incoterm"] == {"old": None, "new": "FOB"}
    lines = lines_of(app, "PO-77")
    assert lines["Navy"].unit_price == Decimal("4.2500") and lines["Navy"].size_breakdown == {"S": 100, "M": 200}
    assert str(lines["Navy"].in_warehouse_date) == "2026-07-01" and lines["Ecru"].in_warehouse_date is None
    order = manager.get(f"/api/v1/purchase-orders/{created['PO-77']['id']}").get_json()
    assert (order["season"], order["incoterm"], order["status"], order["currency"]) == ("SS26", "FOB", "confirmed",
                                                                                       "USD")
    # Decimals travel as strings, exactly as stored.
    line = manager.get(f"/api/v1/purchase-order-lines?purchase_order_id={order['id']}").get_json()
    assert sorted(x["unit_price"] for x in line) == ["4.2500", "4.3000"]


def test_reimporting_the_same_file_changes_nothing(app, login_as):
    manager = login_as("manager")
    assert upload(manager, csv_of(*GOOD_ROWS)).status_code == 200
    before = audit_count(app)
    again = upload(manager, csv_of(*GOOD_ROWS)).get_json()
    assert again["orders"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert again["lines"] == {"created": 0, "updated": 0, "unchanged": 3}
    assert audit_count(app) == before


def test_a_changed_file_updates_only_what_differs_and_the_dry_run_says_so_first(app, login_as):
    manager = login_as("manager")
    assert upload(manager, csv_of(*GOOD_ROWS)).status_code == 200
    changed = [GOOD_ROWS[0].replace(",4.25,", ",4.40,").replace("confirmed", "in_production"),
               GOOD_ROWS[1].replace("confirmed", "in_production"), GOOD_ROWS[2],
               "PO-78,FB,AW26,2026-03-02,draft,,EUR,ST-1,Red,M=5,5,12.5,2026-07-15,"]
    before = audit_count(app)
    dry = upload(manager, csv_of(*changed), dry_run=True).get_json()
    assert dry["dry_run"] is True
    assert audit_count(app) == before, "a dry run wrote something"
    assert lines_of(app, "PO-77")["Navy"].unit_price == Decimal("4.2500")
    assert dry["orders"] == {"created": 0, "updated": 2, "unchanged": 0}
    assert dry["lines"] == {"created": 1, "updated": 1, "unchanged": 2}
    po77, po78 = dry["changes"]
    assert po77["changes"] == {"status": {"old": "confirmed", "new": "in_production"}}
    navy = next(line for line in po77["lines"] if line["colourway"] == "Navy")
    assert navy == {"row": 2, "style_number": "ST-1", "colourway": "Navy", "action": "update",
                    "changes": {"unit_price": {"old": "4.2500", "new": "4.4000"}}}
    assert [line["action"] for line in po78["lines"]] == ["unchanged", "create"]

    real = upload(manager, csv_of(*changed)).get_json()
    assert {k: real[k] for k in ("orders", "lines")} == {k: dry[k] for k in ("orders", "lines")}
    assert lines_of(app, "PO-77")["Navy"].unit_price == Decimal("4.4000")
    assert set(lines_of(app, "PO-78")) == {"Black", "Red"}


@pytest.mark.parametrize(("row", "column", "message"), [
    ("PO-9,FA,SS26,2026-03-01,confirmed,FOB,USD,ST-1,Navy,S=10,10,4.2.5,2026-06-01,", "unit_price", "number"),
    ("PO-9,FA,SS26,2026-03-01,confirmed,FOB,USD,ST-1,Navy,S=10,10,4.12345,2026-06-01,", "unit_price",
     "at most 4 decimal places"),
    ("PO-9,FA,SS26,2026-03-01,confirmed,FOB,USD,ST-1,Navy,S=10,10,-1,2026-06-01,", "unit_price", "from 0.0000"),
    ("PO-9,FX,SS26,2026-03-01,confirmed,FOB,USD,ST-1,Navy,S=10,10,4,2026-06-01,", "factory_code", "Unknown factory"),
    ("PO-9,FA,SS26,2026-03-01,confirmed,FOB,USD,ST-404,Navy,S=10,10,4,2026-06-01,", "style_number", "Unknown style"),
    ("PO-9,FA,SS26,2026-03-01,confirmed,XYZ,USD,ST-1,Navy,S=10,10,4,2026-06-01,", "incoterm", "Must be one of"),
    ("PO-9,FA,SS26,2026-03-01,open,FOB,USD,ST-1,Navy,S=10,10,4,2026-06-01,", "status", "Must be one of"),
    ("PO-9,FA,SS26,2026-03-01,confirmed,FOB,usd,ST-1,Navy,S=10,10,4,2026-06-01,", "currency", "ISO 4217"),
    ("PO-9,FA,SS26,01/03/2026,confirmed,FOB,USD,ST-1,Navy,S=10,10,4,2026-06-01,", "order_date", "date"),
    ("PO-9,FA,SS26,2026-03-01,confirmed,FOB,USD,ST-1,Navy,S=10; M=5,10,4,2026-06-01,", "quantity", "add up to 15"),
    ("PO-9,FA,SS26,2026-03-01,confirmed,FOB,USD,ST-1,Navy,S:10,10,4,2026-06-01,", "sizes", "SIZE=QUANTITY"),
    ("PO-9,FA,SS26,2026-03-01,confirmed,FOB,USD,ST-1,,S=10,10,4,2026-06-01,", "colourway", "Required"),
    ("PO-9,FA,SS26,2026-03-01,confirmed,FOB,USD,ST-1,Navy,S=10,10,4,2026-06-01,2026-05-01", "in_warehouse_date",
     "before the ex-factory date"),
    ("PO-A-1,FB,SS26,2026-03-01,confirmed,FOB,USD,ST-1,Navy,S=10,10,4,2026-06-01,", "factory_code",
     "cannot move to another factory"),
    ("PO-9,FA,SS26,2026-03-01,confirmed,FOB,USD,ST-1,Navy,S=10,10", "row", "Has 11 cells"),
])
def test_each_refusal_names_its_row_and_column(app, login_as, row, column, message):
    fields = problems(upload(login_as("manager"), csv_of(GOOD_ROWS[0], row)))
    assert list(fields) == ["3"], fields
    assert list(fields["3"]) == [column]
    assert message in fields["3"][column][0]


def test_header_problems_are_row_one(app, login_as):
    header = HEADER.replace("colourway", "colour") + ",extra"
    fields = problems(upload(login_as("manager"), csv_of(GOOD_ROWS[0] + ",x", header=header)))
    assert fields == {"1": {"colour": ["Unknown column."], "extra": ["Unknown column."],
                            "colourway": ["Missing column."]}}


def test_every_error_comes_back_at_once_and_a_partly_invalid_file_imports_nothing(app, login_as):
    before = audit_count(app)
    rows = [GOOD_ROWS[0],
            GOOD_ROWS[1].replace("4.3000", "four"),                         # row 3: bad decimal
            GOOD_ROWS[0],                                                    # row 4: duplicate line
            GOOD_ROWS[1].replace("SS26", "SS27").replace("Ecru", "Olive"),   # row 5: order columns disagree
            GOOD_ROWS[2].replace("FB", "NOPE")]                              # row 6: unknown factory
    response = upload(login_as("admin"), csv_of(*rows))
    fields = problems(response)
    assert response.get_json()["error"]["message"] == "The file has 4 problems; nothing was imported."
    assert set(fields) == {"3", "4", "5", "6"}
    assert "unit_price" in fields["3"]
    assert "Duplicate line: row 2" in fields["4"]["colourway"][0]
    assert fields["5"]["season"] == ["Differs from row 2 of the same order (SS26)."]
    assert fields["6"]["factory_code"] == ["Unknown factory code."]
    assert audit_count(app) == before
    assert lines_of(app, "PO-77") == {}


def test_spreadsheet_files_with_bom_blank_lines_and_formula_guards_import(app, login_as):
    body = "\ufeff" + HEADER + "\n" + GOOD_ROWS[0].replace("Navy", "'-Navy") + "\n\n"
    response = upload(login_as("manager"), body.encode())
    assert response.status_code == 200, response.get_json()
    assert set(lines_of(app, "PO-77")) == {"-Navy"}


def test_rows_are_numbered_as_a_spreadsheet_numbers_them(app, login_as):
    """Blank lines count, and a row whose cell holds a line break is numbered by the line it starts on."""
    body = "\r\n".join([HEADER, GOOD_ROWS[0].replace("Navy", '"Navy\nblue"'), "", GOOD_ROWS[1].replace("4.3000", "x")])
    assert list(problems(upload(login_as("manager"), (body + "\r\n").encode()))) == ["5"]


def test_files_that_are_not_csv_or_too_large_are_refused_clearly(app, login_as, tmp_path):
    manager = login_as("manager")
    assert problems(upload(manager, b"\xff\xfe\x00bin")) == {"file": ["Not UTF-8 text."]}
    assert problems(upload(manager, b"")) == {"file": ["Empty: no header row."]}
    assert problems(upload(manager, csv_of())) == {"file": ["No rows under the header."]}
    plain = manager.post(IMPORT, data=csv_of(GOOD_ROWS[0]), content_type="application/octet-stream")
    assert plain.status_code == 415 and plain.get_json()["error"]["code"] == "unsupported_media_type"
    # The same file as a text/csv body works too.
    body = manager.post(IMPORT + "?dry_run=true", data=csv_of(GOOD_ROWS[0]), content_type="text/csv")
    assert body.status_code == 200 and body.get_json()["orders"]["created"] == 1

    from apps import dispose, make_app

    from server.extensions import db

    small = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, ORDER_IMPORT_MAX_BYTES=1000,
                     ORDER_IMPORT_MAX_ROWS=2)
    try:
        from apps import ApiClient

        client = ApiClient(small.test_client())
        assert client.login(world.PERSONAS["manager"][0], world.PASSWORD).status_code == 200
        big = upload(client, csv_of(*GOOD_ROWS * 6))
        assert big.status_code == 413
        assert big.get_json()["error"]["code"] == "file_too_large"
        many = client.post(IMPORT, data=csv_of(*GOOD_ROWS), content_type="text/csv")
        assert many.status_code == 400 and many.get_json()["error"]["code"] == "too_many_rows"
    finally:
        with small.app_context():
            db.session.remove()
        dispose(small)


@pytest.mark.parametrize("persona", ["inspector_a", "factory_a", "designer"])
def test_only_managers_and_admins_import(app, login_as, persona):
    response = upload(login_as(persona), csv_of(GOOD_ROWS[0]))
    assert response.status_code == 403


def test_export_then_import_is_a_no_op(app, login_as):
    manager = login_as("manager")
    assert upload(manager, csv_of(*GOOD_ROWS)).status_code == 200
    exported = manager.get("/api/v1/purchase-orders/export.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    text = exported.get_data(as_text=True)
    assert text.startswith("\ufeff" + HEADER + "\r\n")
    assert "PO-77,FA,SS26,2026-03-01,confirmed,FOB,USD,ST-1,Navy,S=100; M=200,300,4.2500,2026-06-01,2026-07-01" in text
    assert "PO-A-1,FA,,2026-02-01,confirmed,,USD,ST-1,Navy,M=600; L=400,1000,4.2500,2026-05-01," in text
    before = audit_count(app)
    report = upload(manager, text.encode()).get_json()
    assert report["orders"]["created"] == report["orders"]["updated"] == 0
    assert report["lines"] == {"created": 0, "updated": 0, "unchanged": 4}
    assert audit_count(app) == before


def test_export_is_scoped_and_filtered(app, login_as):
    assert upload(login_as("manager"), csv_of(*GOOD_ROWS)).status_code == 200
    own = login_as("factory_a").get("/api/v1/purchase-orders/export.csv").get_data(as_text=True)
    assert "PO-77," in own and "PO-A-1," in own and "PO-78," not in own
    filtered = login_as("manager").get("/api/v1/purchase-orders/export.csv?season=AW26").get_data(as_text=True)
    assert [line.split(",")[0] for line in filtered.strip().splitlines()[1:]] == ["PO-78"]
    assert login_as("designer").get("/api/v1/purchase-orders/export.csv").status_code == 403


def test_the_sample_file_imports_on_the_demo_data(app, login_as):
    """docs/samples/purchase-orders.csv names the demo's factories and styles: on the test world it refuses
    with them named, and with the world's codes put in it imports."""
    sample = SAMPLE.read_text()
    fields = problems(upload(login_as("manager"), sample.encode()))
    assert fields["2"]["factory_code"] == ["Unknown factory code."]
    adapted = (sample.replace("VN-BDG-01", "FA").replace("BD-GZP-01", "FB")
               .replace("SL-26-1001", "ST-1").replace("SL-26-1002", "ST-1").replace("SL-26-1003", "ST-1"))
    response = upload(login_as("manager"), adapted.encode())
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["orders"]["created"] == 2


def test_the_cli_imports_with_a_dry_run_first(app, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(csv_of(*GOOD_ROWS))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import-orders", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run, nothing written. orders: 2 created" in dry.output
    assert lines_of(app, "PO-77") == {}
    real = runner.invoke(args=["import-orders", str(path), "--as", world.PERSONAS["manager"][0]])
    assert real.exit_code == 0, real.output
    assert set(lines_of(app, "PO-77")) == {"Navy", "Ecru"}
    again = runner.invoke(args=["import-orders", str(path)])
    assert "orders: 0 created, 0 updated, 2 unchanged" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_of(GOOD_ROWS[0].replace("4.25", "4,25")))
    refused = runner.invoke(args=["import-orders", str(bad)])
    assert refused.exit_code == 1
    assert "row 2, " in refused.output


def test_the_flask_command_is_registered():
    # `flask --app server import-orders --help` from a shell, as the README shows it.
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "server", "import-orders", "--help"],
                            capture_output=True, text=True, env={"SEAMLINE_ENV": "testing", "PATH": ""},
                            cwd=Path(__file__).resolve().parents[2], check=False)
    assert result.returncode == 0, result.stderr
    assert "--dry-run" in result.stdout
