"""Every number a client can send is bounded once, in its schema; the schemas say which values may be null."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from marshmallow import Schema, fields

import server.schemas
from server.schemas.common import MAX_QUANTITY, Bound, bound_of, bounds_of

SCHEMA_MODULES = [importlib.import_module(f"server.schemas.{m.name}") for m in pkgutil.iter_modules(server.schemas.__path__)]
# Answers only: the server writes them, no client sends them.
RESPONSE_ONLY = {"PushResultSchema", "PushResponseSchema", "PullResponseSchema", "ChangeSchema", "ConflictSchema",
                 "ImportRejectionSchema", "ImportMutationsSchema", "ImportRefusalSchema", "ImportPhotosSchema",
                 "ImportResponseSchema", "MeSchema", "ApiTokenSchema", "OutcomeSchema", "ConflictRefSchema",
                 "RejectionSchema",
                 # the figures (server/schemas/analytics.py)
                 "FiguresSchema", "PeriodFiguresSchema", "GroupRowSchema", "PassRatesSchema", "ParetoRowSchema",
                 "ParetoSchema", "ClassCountsSchema", "InspectionRowSchema", "InspectionPageSchema",
                 "ClassStateSchema", "FactorySwitchingSchema", "SwitchingListSchema", "DeliveriesSchema",
                 "FactoryRefSchema", "ScorecardSchema",
                 # a purchase-order import's report (server/schemas/order_import.py)
                 "OrderImportCountsSchema", "OrderImportChangeSchema", "OrderImportLineSchema",
                 "OrderImportOrderSchema", "OrderImportReportSchema",
                 # corrective actions on the scorecard (server/schemas/analytics.py)
                 "CorrectiveActionFiguresSchema",
                 # the design-review queue and a style's history (server/schemas/reviews.py)
                 "QueueSchema", "QueueRowSchema", "UnreviewedSchema", "StyleUnreviewedSchema", "ReviewRefSchema",
                 "FactoryFiguresSchema", "HistoryFiguresSchema",
                 # a booking's readiness (server/schemas/bookings.py)
                 "ReadinessSchema",
                 # delay risk and punctuality (server/schemas/order_risk.py)
                 "AtRiskSchema", "OutlookSchema", "StageLineSchema", "ReasonShareSchema", "FactoryPunctualitySchema"}
# Read from query strings, where every value is text.
FROM_TEXT = {"PullQuery", "PageArgs", "InspectionListArgs", "ParetoArgs", "QueueArgs",
             # a CSV file's cells are text, as a query string's
             "OrderRowSchema"}


def _schemas():
    seen = {}
    for module in SCHEMA_MODULES:
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Schema) and value.__module__ == module.__name__:
                seen[name] = value
    return sorted(seen.items())


def _numbers(field: fields.Field):
    """The field and the numbers inside it (list items, dict values)."""
    for candidate in (field, getattr(field, "inner", None), getattr(field, "value_field", None)):
        if isinstance(candidate, (fields.Integer, fields.Decimal)):
            yield candidate


@pytest.mark.parametrize("name,schema", _schemas(), ids=[n for n, _ in _schemas()])
def test_every_number_a_client_sends_is_bounded(name, schema):
    if name in RESPONSE_ONLY:
        return
    for field_name, field in schema().fields.items():
        if field.dump_only:
            continue
        for number in _numbers(field):
            one_of = [v for v in number.validators if hasattr(v, "choices")]
            assert bound_of(number) is not None or one_of, f"{name}.{field_name} has no Bound"
            if isinstance(number, fields.Integer):
                assert number.strict is (name not in FROM_TEXT), f"{name}.{field_name}: 2.5 must not become 2"


def test_bounds_are_introspectable_and_name_their_limits():
    from server.schemas.inspections import InspectionSchema, MeasurementResultSchema

    bounds = bounds_of(InspectionSchema)
    assert bounds["lot_size"].as_dict() == {"kind": "integer", "minimum": 1, "maximum": MAX_QUANTITY}
    assert bounds["cartons_opened[]"].min == 1
    assert bounds["carton_count"].error == "Must be a whole number from 0 to 10,000,000."
    measured = bounds_of(MeasurementResultSchema)["measured_value"]
    assert isinstance(measured, Bound)
    assert measured.as_dict() == {"kind": "decimal", "minimum": "0", "maximum": "999999.99", "places": 2}


def test_integer_columns_cannot_overflow_through_a_bound():
    """Each bounded record field fits its column: 32-bit INTEGER, or NUMERIC(p, s)."""
    from sqlalchemy import BigInteger, Integer, Numeric

    from server.services import entities

    for resource in entities.BY_ENTITY.values():
        columns = resource.model.__table__.c
        for field_name, bound in bounds_of(resource.schema).items():
            if field_name not in columns:
                continue  # list items and dict values live in JSON columns
            column_type = columns[field_name].type
            if isinstance(column_type, BigInteger):
                assert bound.max < 2**63
            elif isinstance(column_type, Integer):
                assert bound.min >= -(2**31) and bound.max < 2**31, (resource.entity, field_name)
            elif isinstance(column_type, Numeric):
                assert bound.places == column_type.scale, (resource.entity, field_name)
                assert bound.max < 10 ** (column_type.precision - column_type.scale), (resource.entity, field_name)
            else:
                raise AssertionError(f"{resource.entity}.{field_name}: a bound on a {column_type} column")


def test_nullable_exactly_where_the_column_is():
    """A dump says null only where the column may be null; a load accepts null only there (else: a 409)."""
    from server.services import entities

    mismatched = []
    for resource in entities.BY_ENTITY.values():
        columns = resource.model.__table__.c
        for field_name, field in resource.schema().fields.items():
            if field_name in columns and columns[field_name].nullable != field.allow_none:
                mismatched.append(f"{resource.entity}.{field_name}")
    assert not mismatched
