"""Importing and exporting purchase orders as CSV (the layout is server/schemas/order_import.py).

An import is all or nothing: every row is read and checked first, and any problem anywhere refuses the whole
file with every problem listed by row and column (the header is row 1). A valid file is then applied as an
upsert: an order is known by its PO number, a line by its order, style and colourway; only what differs is
written, so importing the same file twice changes nothing the second time. A dry run makes the same plan and
writes nothing. Lines of an order that the file does not name are kept (an import never deletes).

Writes go through :func:`server.services.operations.apply`, so the registry's rules (roles, factory scope,
references, immutable fields) hold as on every other path, inside one recorded transaction.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from server.authz import can_see_factory, factory_scope
from server.errors import ApiError
from server.extensions import db
from server.models import Factory, PurchaseOrder, PurchaseOrderLine, Style, User
from server.schemas.order_import import COLUMNS, LINE_COLUMNS, ORDER_COLUMNS, OrderRowSchema, write_cell
from server.services import changes, operations, records
from server.services.entities import PURCHASE_ORDER_LINES, PURCHASE_ORDERS
from server.services.exports import BOM, neutralise

HEADER_ROW = 1
# Who imports; the registry's create and update roles of purchase orders say the same.
IMPORTERS = ("manager", "admin")


class Problems:
    """Every problem found in a file, by row and column: {"3": {"unit_price": ["..."]}}."""

    def __init__(self):
        self.by_row: dict[int, dict[str, list[str]]] = {}

    def add(self, row: int, column: str, message: str) -> None:
        self.by_row.setdefault(row, {}).setdefault(column, []).append(message)

    def merge(self, row: int, columns: dict[str, list[str]]) -> None:
        for column, messages in columns.items():
            for message in messages:
                self.add(row, column, message)

    def __len__(self) -> int:
        return sum(len(m) for columns in self.by_row.values() for m in columns.values())

    def refuse(self) -> ApiError:
        count = len(self)
        return ApiError(400, "invalid_file",
                        f"The file has {count} problem{'s' if count != 1 else ''}; nothing was imported.",
                        {str(row): columns for row, columns in sorted(self.by_row.items())})


@dataclass
class Row:
    number: int
    values: dict


@dataclass
class OrderInFile:
    po_number: str
    rows: list[Row] = field(default_factory=list)


# --- reading the file -------------------------------------------------------------------------


def read_rows(raw: bytes) -> tuple[list[Row], Problems]:
    """The file's valid rows, each checked on its own (marshmallow), and the problems of the others.

    A file that cannot be read as rows at all (not UTF-8, a wrong header, too large) is refused at once."""
    limits = current_app.config
    if len(raw) > limits["ORDER_IMPORT_MAX_BYTES"]:
        raise too_large()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "invalid_file", "The file is not UTF-8 text; save it as CSV UTF-8.",
                       {"file": ["Not UTF-8 text."]}) from exc
    if "\x00" in text:
        raise ApiError(400, "invalid_file", "The file holds NUL characters: it is not a CSV file.",
                       {"file": ["Not a CSV file."]})
    reader = csv.reader(io.StringIO(text, newline=""))
    problems = Problems()
    try:
        header = next(reader, None)
        if header is None:
            raise ApiError(400, "invalid_file", "The file is empty.", {"file": ["Empty: no header row."]})
        columns = [cell.strip().lower() for cell in header]
        _check_header(columns, problems)
        if problems:
            raise problems.refuse()  # the rows cannot be read against a header that is wrong
        schema = OrderRowSchema()
        rows: list[Row] = []
        read = 0
        last_line = reader.line_num
        for cells in reader:
            # A row is numbered by the line it starts on, as a spreadsheet numbers it (a cell may hold line breaks).
            number, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line (often the last one)
            read += 1
            if read > limits["ORDER_IMPORT_MAX_ROWS"]:
                raise ApiError(400, "too_many_rows", f"A file may hold at most {limits['ORDER_IMPORT_MAX_ROWS']:,} "
                               "lines; split it.", {"file": ["Too many rows."]})
            if len(cells) != len(columns):
                problems.add(number, "row", f"Has {len(cells)} cells; the header has {len(columns)}.")
                continue
            values, errors = schema.load_row(dict(zip(columns, cells, strict=True)))
            problems.merge(number, errors)
            if not errors:
                rows.append(Row(number, values))
    except csv.Error as exc:
        raise ApiError(400, "invalid_file", f"The file is not valid CSV (line {reader.line_num}): {exc}.",
                       {str(reader.line_num): {"row": [f"Not valid CSV: {exc}."]}}) from exc
    if not rows and not problems:
        raise ApiError(400, "invalid_file", "The file has no order lines.", {"file": ["No rows under the header."]})
    return rows, problems


def too_large() -> ApiError:
    limit = current_app.config["ORDER_IMPORT_MAX_BYTES"]
    return ApiError(413, "file_too_large", f"The file is larger than the {limit:,} bytes an import may have; "
                                           "split it.", {"file": [f"Larger than {limit:,} bytes."]})


def _check_header(columns: list[str], problems: Problems) -> None:
    seen = set()
    for column in columns:
        if column not in COLUMNS:
            problems.add(HEADER_ROW, column or "(blank)", "Unknown column.")
        elif column in seen:
            problems.add(HEADER_ROW, column, "The column is given twice.")
        seen.add(column)
    for column in COLUMNS:
        if column not in seen:
            problems.add(HEADER_ROW, column, "Missing column.")


# --- the plan: what the file would change -------------------------------------------------------


def plan(user: User, rows: list[Row], problems: Problems) -> dict:
    """Check the rows against each other and against the database, and say what importing them changes.

    Returns the report (counts and per-order differences) with, under "_apply", the writes to make;
    raises the 400 listing every problem, those the rows had on their own included."""
    orders = _group_orders(rows, problems)
    factories = _by_key(Factory, Factory.code, {r.values["factory_code"] for r in rows})
    styles = _by_key(Style, Style.style_number, {r.values["style_number"] for r in rows})
    stored = _by_key(PurchaseOrder, PurchaseOrder.po_number, set(orders), live_only=False)
    stored_lines = _lines_of([o.id for o in stored.values() if not o.is_deleted])
    codes_by_factory = {f.id: f.code for f in db.session.scalars(
        select(Factory).where(Factory.id.in_({o.factory_id for o in stored.values()})))}

    report = {"orders": _counts(), "lines": _counts(), "changes": []}
    writes = []
    for po_number, order in orders.items():
        first = order.rows[0]
        factory = factories.get(first.values["factory_code"])
        if factory is None or not can_see_factory(user, factory.id):
            problems.add(first.number, "factory_code", "Unknown factory code.")
        existing = stored.get(po_number)
        if existing is not None and existing.is_deleted:
            problems.add(first.number, "po_number", "An order with this number was deleted; use another number.")
            existing = None
        elif existing is not None and not can_see_factory(user, existing.factory_id):
            problems.add(first.number, "po_number", "This order number belongs to an order you may not change.")
            existing = None
        elif existing is not None and factory is not None and existing.factory_id != factory.id:
            problems.add(first.number, "factory_code",
                         f"Order {po_number} is with factory {codes_by_factory.get(existing.factory_id)}; an order "
                         "cannot move to another factory.")
        order_values = _order_values(first.values, factory)
        order_changes = _differences(existing, order_values, _order_cells(existing, codes_by_factory),
                                     _order_cells_of_row(first.values))
        line_plans = []
        line_writes = []
        existing_lines = stored_lines.get(existing.id, {}) if existing is not None else {}
        for row in order.rows:
            style = styles.get(row.values["style_number"])
            if style is None:
                problems.add(row.number, "style_number", "Unknown style number.")
                continue
            key = (style.id, row.values["colourway"])
            matches = existing_lines.get(key, [])
            if len(matches) > 1:
                problems.add(row.number, "colourway", "The order already holds more than one line of this style "
                             "and colourway; remove the extra one before importing.")
                continue
            line = matches[0] if matches else None
            values = _line_values(row.values, style)
            line_changes = _differences(line, values, _line_cells(line, style), _line_cells_of_row(row.values))
            action = "create" if line is None else ("update" if line_changes else "unchanged")
            report["lines"][_counted(action)] += 1
            line_plans.append({"row": row.number, "style_number": style.style_number,
                               "colourway": row.values["colourway"], "action": action, "changes": line_changes})
            if action != "unchanged":
                line_writes.append((line, {k: values[k] for k in (values if line is None else
                                                                   _changed_keys(line, values))}))
        if existing is None:
            action = "create"
        elif order_changes or any(p["action"] != "unchanged" for p in line_plans):
            action = "update"
        else:
            action = "unchanged"
        report["orders"][_counted(action)] += 1
        report["changes"].append({"row": first.number, "po_number": po_number,
                                  "id": existing.id if existing is not None else None, "action": action,
                                  "changes": order_changes, "lines": line_plans})
        order_write = order_values if existing is None else {k: order_values[k]
                                                             for k in _changed_keys(existing, order_values)}
        writes.append((existing, order_write, line_writes))
    if problems:
        raise problems.refuse()
    report["_apply"] = writes
    return report


def _group_orders(rows: list[Row], problems: Problems) -> dict[str, OrderInFile]:
    """Rows by PO number, in file order; an order's columns must agree on all its rows, and a line is given once."""
    orders: dict[str, OrderInFile] = {}
    line_rows: dict[tuple, int] = {}
    for row in rows:
        po_number = row.values["po_number"]
        order = orders.setdefault(po_number, OrderInFile(po_number))
        if order.rows:
            first = order.rows[0]
            for column in ORDER_COLUMNS:
                if row.values[column] != first.values[column]:
                    problems.add(row.number, column, f"Differs from row {first.number} of the same order "
                                                     f"({write_cell(column, first.values[column]) or 'blank'}).")
        key = (po_number, row.values["style_number"], row.values["colourway"])
        if key in line_rows:
            problems.add(row.number, "colourway", f"Duplicate line: row {line_rows[key]} has the same order, style "
                                                  "and colourway.")
        else:
            line_rows[key] = row.number
            order.rows.append(row)
    return orders


def _by_key(model, column, keys: set, live_only: bool = True) -> dict:
    """Records by a unique text key, read 500 keys a query."""
    found = {}
    wanted = sorted(keys)
    for start in range(0, len(wanted), 500):
        stmt = select(model).where(column.in_(wanted[start:start + 500]))
        if live_only:
            stmt = stmt.where(model.deleted_at.is_(None))
        for record in db.session.scalars(stmt):
            found[getattr(record, column.key)] = record
    return found


def _lines_of(order_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[tuple, list[PurchaseOrderLine]]]:
    """The live lines of these orders, by order and (style, colourway)."""
    found: dict = {}
    for start in range(0, len(order_ids), 500):
        for line in db.session.scalars(select(PurchaseOrderLine).where(
                PurchaseOrderLine.purchase_order_id.in_(order_ids[start:start + 500]),
                PurchaseOrderLine.deleted_at.is_(None)).order_by(PurchaseOrderLine.created_at, PurchaseOrderLine.id)):
            found.setdefault(line.purchase_order_id, {}).setdefault((line.style_id, line.colourway), []).append(line)
    return found


def _order_values(cells: dict, factory: Factory | None) -> dict:
    return {"po_number": cells["po_number"], "factory_id": factory.id if factory else None,
            "season": cells["season"], "order_date": cells["order_date"], "status": cells["status"],
            "incoterm": cells["incoterm"], "currency": cells["currency"]}


def _line_values(cells: dict, style: Style) -> dict:
    return {"style_id": style.id, "colourway": cells["colourway"], "size_breakdown": cells["sizes"],
            "quantity": cells["quantity"], "unit_price": cells["unit_price"], "currency": cells["currency"],
            "ex_factory_date": cells["ex_factory_date"], "in_warehouse_date": cells["in_warehouse_date"]}


# Which record field each column of the file is (the others are the same name).
_FIELD_OF_COLUMN = {"factory_code": "factory_id", "style_number": "style_id", "sizes": "size_breakdown"}


def _changed_keys(record, values: dict) -> list[str]:
    return [k for k, v in values.items() if getattr(record, k) != v]


def _differences(record, values: dict, old_cells: dict, new_cells: dict) -> dict:
    """{column: {"old", "new"}} of what changes, in the file's own terms; every column of a new record."""
    if record is None:
        return {column: {"old": None, "new": cell} for column, cell in new_cells.items() if cell}
    changed = set(_changed_keys(record, values))
    return {column: {"old": old_cells.get(column) or None, "new": new_cells[column] or None}
            for column in new_cells if _FIELD_OF_COLUMN.get(column, column) in changed}


def _order_cells(order: PurchaseOrder | None, factory_codes: dict) -> dict:
    if order is None:
        return {}
    return {"po_number": order.po_number, "factory_code": factory_codes.get(order.factory_id),
            **{c: write_cell(c, getattr(order, c)) for c in ORDER_COLUMNS if c not in ("po_number", "factory_code")}}


def _order_cells_of_row(values: dict) -> dict:
    return {c: write_cell(c, values[c]) for c in ORDER_COLUMNS}


def _line_cells(line: PurchaseOrderLine | None, style: Style) -> dict:
    if line is None:
        return {}
    return {"style_number": style.style_number, "colourway": line.colourway,
            "sizes": write_cell("sizes", line.size_breakdown),
            **{c: write_cell(c, getattr(line, c)) for c in LINE_COLUMNS
               if c not in ("style_number", "colourway", "sizes")}}


def _line_cells_of_row(values: dict) -> dict:
    return {c: write_cell(c, values[c]) for c in LINE_COLUMNS}


def _counts() -> dict:
    return {"created": 0, "updated": 0, "unchanged": 0}


def _counted(action: str) -> str:
    return {"create": "created", "update": "updated", "unchanged": "unchanged"}[action]


# --- importing ----------------------------------------------------------------------------------


def import_orders(user: User, raw: bytes, dry_run: bool, source: str = "import") -> dict:
    """Check the whole file, then (unless a dry run) write what differs in one recorded transaction."""
    _require_importer(user)
    rows, problems = read_rows(raw)
    if dry_run:
        report = plan(user, rows, problems)
        db.session.rollback()  # a dry run ends its reading transaction having written nothing
    else:
        with changes.recording(user if isinstance(user, User) else None, source):
            # Planned again under the write lock: what was read is what gets written.
            report = plan(user, rows, problems)
            _write(user, report)
    report.pop("_apply")
    return {"dry_run": dry_run, **report}


def _write(user, report: dict) -> None:
    """Every write of the plan, checked by the registry's rules in memory and written in one flush (as a sync
    push's batch is: rows of a table go in multi-row inserts). New records get their ids here, so a new line can
    name its new order before either is in the database."""
    db.session.info[records.BULK_KEY] = True
    try:
        with db.session.no_autoflush:
            for entry, (existing, order_values, line_writes) in zip(report["changes"], report["_apply"], strict=True):
                if existing is None:
                    entry["id"] = uuid.uuid4()
                    operations.apply(user, PURCHASE_ORDERS, "create", entry["id"], order_values)
                elif order_values:
                    operations.apply(user, PURCHASE_ORDERS, "update", existing.id, order_values)
                for line, values in line_writes:
                    if line is None:
                        operations.apply(user, PURCHASE_ORDER_LINES, "create", uuid.uuid4(),
                                         {**values, "purchase_order_id": entry["id"]})
                    else:
                        operations.apply(user, PURCHASE_ORDER_LINES, "update", line.id, values)
    finally:
        db.session.info.pop(records.BULK_KEY, None)
    changes.flush()


def _require_importer(user) -> None:
    if user.role not in IMPORTERS:
        raise ApiError(403, "forbidden", "Only managers and administrators import purchase orders.")


@dataclass(frozen=True)
class Console:
    """The server console (`flask import-orders` without --as): an administrator's rights, recorded with no
    actor and source "cli"."""

    id: None = None
    role: str = "admin"
    factory_ids: frozenset = frozenset()


# --- exporting ----------------------------------------------------------------------------------


def export_csv(user: User, filters: dict) -> Iterator[str]:
    """The live lines of the orders the user may see, in the import layout, by PO number then line: CSV text in
    chunks, UTF-8 with a BOM (spreadsheets then read it as UTF-8). The query is built now, while the request's
    user is at hand; the rows are read as the answer streams."""
    stmt = (select(PurchaseOrder, Factory.code, PurchaseOrderLine, Style.style_number)
            .join(Factory, Factory.id == PurchaseOrder.factory_id)
            .join(PurchaseOrderLine, (PurchaseOrderLine.purchase_order_id == PurchaseOrder.id)
                  & PurchaseOrderLine.deleted_at.is_(None))
            .join(Style, Style.id == PurchaseOrderLine.style_id)
            .where(PurchaseOrder.deleted_at.is_(None))
            .order_by(PurchaseOrder.po_number, PurchaseOrderLine.created_at, PurchaseOrderLine.id))
    scope = factory_scope(user)
    if scope is not None:
        stmt = stmt.where(PurchaseOrder.factory_id.in_(scope))
    for name in ("factory_id", "season", "status"):
        if filters.get(name) is not None:
            stmt = stmt.where(getattr(PurchaseOrder, name) == filters[name])
    return _csv_chunks(stmt)


def _csv_chunks(stmt) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    rows = db.session.execute(stmt.execution_options(yield_per=500))
    for count, (order, factory_code, line, style_number) in enumerate(rows, start=1):
        writer.writerow([neutralise(cell) for cell in (
            order.po_number, factory_code, *(write_cell(c, getattr(order, c)) for c in ORDER_COLUMNS[2:]),
            style_number, line.colourway, write_cell("sizes", line.size_breakdown),
            *(write_cell(c, getattr(line, c)) for c in LINE_COLUMNS[3:]))])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
