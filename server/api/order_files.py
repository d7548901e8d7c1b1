"""Purchase orders in and out as CSV (import with a dry run, export in the same layout), and an order's history."""

from __future__ import annotations

from datetime import date

from flask import Response, current_app, request, stream_with_context
from flask_login import current_user

from server.api.blueprint import Blueprint
from server.authz import allow
from server.errors import ApiError
from server.schemas.order_history import HistoryEntrySchema
from server.schemas.order_import import COLUMNS, OrderExportArgs, OrderImportArgs, OrderImportFormSchema, OrderImportReportSchema
from server.services import history, order_import
from server.services.entities import ORDER_READERS

blp = Blueprint("purchase_order_files", "purchase_order_files", url_prefix="/api/v1/purchase-orders",
                description="Purchase orders as CSV, one row per line (columns: " + ", ".join(COLUMNS) + "; "
                            "sample in docs/samples/purchase-orders.csv), and an order's history.")


@blp.route("/import", methods=["POST"])
@allow(*order_import.IMPORTERS)
@blp.arguments(OrderImportArgs, location="query")
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": OrderImportFormSchema},
                                                    "text/csv": {"schema": {"type": "string"}}}})
@blp.response(200, OrderImportReportSchema)
def import_orders(args):
    """Import purchase orders from a CSV file: all of it, or nothing.

    Send the file as a form upload (field `file`) or as a text/csv body. Every row is checked first; any problem
    refuses the file with a 400 `invalid_file` whose `fields` list every problem by row (the header is row 1)
    and column: `{"4": {"unit_price": ["Must be a number ..."]}}`. Orders are matched by PO number and lines by
    order, style and colourway; only what differs is written, so the same file imported twice changes nothing.
    `?dry_run=true` reports the same counts and per-order differences and writes nothing. A file larger than
    `ORDER_IMPORT_MAX_BYTES` is a 413."""
    limit = current_app.config["ORDER_IMPORT_MAX_BYTES"]
    if request.content_length is not None and request.content_length > limit + 64 * 1024:  # room for the form
        raise order_import.too_large()
    request.max_content_length = limit + 64 * 1024
    return order_import.import_orders(current_user, _uploaded_file(), args["dry_run"])


def _uploaded_file() -> bytes:
    if request.mimetype == "multipart/form-data":
        form = blp.ARGUMENTS_PARSER.parse(OrderImportFormSchema, request, location="files")
        return form["file"].read(current_app.config["ORDER_IMPORT_MAX_BYTES"] + 1)
    if request.mimetype in ("text/csv", "text/plain"):
        return request.get_data(cache=False)
    raise ApiError(415, "unsupported_media_type", "Send the file as multipart/form-data (field `file`) or as a "
                                                  "text/csv body.")


@blp.route("/export.csv", methods=["GET"])
@allow(*ORDER_READERS)
@blp.arguments(OrderExportArgs, location="query")
@blp.doc(responses={"200": {"content": {"text/csv": {"schema": {"type": "string"}}},
                            "description": "CSV (UTF-8 with BOM), the import's layout"}})
def export_orders(args):
    """The lines of the purchase orders you may see, in the import's layout: importing the file back changes
    nothing. Filters: factory, season, status."""
    response = Response(stream_with_context(order_import.export_csv(current_user, args)), mimetype="text/csv")
    response.headers["Content-Disposition"] = (f'attachment; filename="seamline-purchase-orders-'
                                               f'{date.today().isoformat()}.csv"')
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/<uuid:record_id>/history", methods=["GET"])
@allow(*ORDER_READERS)
@blp.response(200, HistoryEntrySchema(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def order_history(record_id, pagination_parameters):
    """Every change to the order, its lines and its production orders, newest first, from the audit trail."""
    items, total = history.order_history(current_user, record_id, pagination_parameters.page,
                                         pagination_parameters.page_size)
    pagination_parameters.item_count = total
    return items


BLUEPRINTS = [blp]
