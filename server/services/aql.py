"""Plan look-ups for the API: AQL engine errors become 400s naming the parameter."""

from server.aql import AqlError, plan_for, tables_document
from server.errors import validation_error


def lookup_plan(lot_size: str, level: str, aql: str, inspection: str) -> dict:
    try:
        size = int(lot_size)
    except ValueError:
        raise validation_error({"lot_size": ["Must be a whole number of units."]}) from None
    try:
        return plan_for(size, level, aql, inspection).as_dict()
    except AqlError as exc:
        raise validation_error({exc.field: [exc.message]}) from exc


def tables() -> dict:
    return tables_document()
