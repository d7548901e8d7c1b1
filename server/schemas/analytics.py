"""Query arguments and answers of /api/v1/analytics.

Arguments are strict: an unknown filter, an impossible date range or an
oversized page is a 400 naming the parameter, never silently ignored.
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, validates_schema

from server.models.vocab import INSPECTION_TYPES, PRODUCT_CATEGORIES, VERDICTS
from server.schemas.common import MAX_PAGE, StrictSchema, UUIDField, one_of, whole_number
from server.schemas.order_risk import FactoryPunctualitySchema
from server.services.analytics import GROUPS, PERIODS

MAX_PAGE_SIZE = 100
# Wider than any real question, narrower than a typo like 20266-01-01 scanning everything.
MAX_RANGE_DAYS = 3660


class FilterArgs(StrictSchema):
    date_from = fields.Date(metadata={"description": "First day counted (finalize date, UTC), inclusive."})
    date_to = fields.Date(metadata={"description": "Last day counted, inclusive."})
    period = fields.String(load_default="month", validate=one_of(PERIODS),
                           metadata={"description": "Trend granularity: week (from Monday), month or quarter."})
    factory_id = UUIDField()
    style_id = UUIDField()
    category = fields.String(validate=one_of(PRODUCT_CATEGORIES))
    inspection_type = fields.String(validate=one_of(INSPECTION_TYPES))
    inspector_id = UUIDField()

    @validates_schema
    def _date_range(self, data, **kwargs):
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise ValidationError("Must not be before date_from.", "date_to")
        if start and end and (end - start).days > MAX_RANGE_DAYS:
            raise ValidationError(f"A range of at most {MAX_RANGE_DAYS} days.", "date_to")


class PassRateArgs(FilterArgs):
    group_by = fields.String(load_default="factory", validate=one_of(GROUPS))


class ParetoArgs(FilterArgs):
    limit = whole_number(1, 50, from_text=True, load_default=10)


class PageArgs(FilterArgs):
    page = whole_number(1, MAX_PAGE, from_text=True, load_default=1)
    page_size = whole_number(1, MAX_PAGE_SIZE, from_text=True, load_default=25)


class InspectionListArgs(PageArgs):
    defect_type_id = UUIDField(metadata={"description": "Only inspections where this defect type was found."})
    verdict = fields.String(validate=one_of(VERDICTS))


# --- answers ----------------------------------------------------------------------------------------


class FiguresSchema(StrictSchema):
    inspections = fields.Integer(metadata={"description": "Finalized inspections counted (cancelled never count)."})
    passed = fields.Integer()
    failed = fields.Integer()
    pass_rate = fields.Float(allow_none=True, metadata={"description": "passed / inspections, 0..1"})
    original_inspections = fields.Integer()
    original_passed = fields.Integer()
    first_time_pass_rate = fields.Float(
        allow_none=True, metadata={"description": "Pass rate of original inspections (re-inspections left out)."})
    reinspections = fields.Integer()
    units_inspected = fields.Integer(metadata={"description": "Sum of each inspection's largest class sample size."})
    defects = fields.Integer()
    dhu = fields.Float(allow_none=True, metadata={"description": "Defects per hundred units inspected."})


class PeriodFiguresSchema(FiguresSchema):
    period_start = fields.String(metadata={"description": "First day of the period (YYYY-MM-DD)."})
    period_end = fields.String(metadata={"description": "First day after the period."})


class GroupRowSchema(FiguresSchema):
    key = fields.String(allow_none=True, metadata={"description": "Id or code of the group (filter value)."})
    label = fields.String()
    trend = fields.List(fields.Nested(PeriodFiguresSchema))
    period_start = fields.String()
    period_end = fields.String()


class PassRatesSchema(StrictSchema):
    group_by = fields.String()
    period = fields.String()
    totals = fields.Nested(FiguresSchema)
    rows = fields.List(fields.Nested(GroupRowSchema))


class ParetoRowSchema(StrictSchema):
    defect_type_id = UUIDField()
    code = fields.String()
    name = fields.String()
    category = fields.String()
    count = fields.Integer()
    critical = fields.Integer()
    major = fields.Integer()
    minor = fields.Integer()
    share = fields.Float(metadata={"description": "count / all defects, 0..1"})
    cumulative_share = fields.Float(metadata={"description": "Share of this and every more frequent type."})


class ParetoSchema(StrictSchema):
    total_defects = fields.Integer()
    other_defects = fields.Integer(metadata={"description": "Defects of types below the limit."})
    rows = fields.List(fields.Nested(ParetoRowSchema))


class ClassCountsSchema(StrictSchema):
    critical = fields.Integer()
    major = fields.Integer()
    minor = fields.Integer()


class InspectionRowSchema(StrictSchema):
    id = UUIDField()
    factory_id = UUIDField()
    factory_name = fields.String()
    inspection_type = fields.String()
    finished_at = fields.DateTime()
    po_number = fields.String(allow_none=True)
    production_order_number = fields.String(allow_none=True)
    inspector_name = fields.String(allow_none=True)
    reinspection_of_id = UUIDField(allow_none=True)
    lot_size = fields.Integer()
    units_inspected = fields.Integer()
    verdict = fields.String(allow_none=True)
    disposition = fields.String(allow_none=True)
    defects = fields.Nested(ClassCountsSchema)
    reason = fields.String(allow_none=True, metadata={"description": "Why the lot failed, in words."})


class InspectionPageSchema(StrictSchema):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    rows = fields.List(fields.Nested(InspectionRowSchema))


class ClassStateSchema(StrictSchema):
    state = fields.String()
    reason = fields.String(metadata={"description": "Why, in English words naming the lots"})
    reason_code = fields.String(metadata={"description": "The reason as a code (server/aql/switching.py REASON_CODES), "
                                                         "for an app to word in its user's language"})
    reason_params = fields.Dict(metadata={"description": "The code's parameters: lots, counts, the score"})
    reason_notes = fields.List(fields.Dict(), metadata={
        "description": "Clauses added to the reason, each {code, params} (server/aql/switching.py NOTE_CODES)"})
    lots = fields.Integer()


class FactorySwitchingSchema(StrictSchema):
    factory_id = UUIDField()
    factory_code = fields.String()
    factory_name = fields.String()
    state = fields.String(metadata={"description": "The worst class state: discontinued, tightened, normal, reduced."})
    reason = fields.String()
    classes = fields.Dict(keys=fields.String(), values=fields.Nested(ClassStateSchema))


class SwitchingListSchema(StrictSchema):
    rows = fields.List(fields.Nested(FactorySwitchingSchema))


class DeliveriesSchema(StrictSchema):
    shipped = fields.Integer()
    on_time = fields.Integer()
    late = fields.Integer()
    on_time_rate = fields.Float(allow_none=True)
    overdue = fields.Integer(metadata={"description": "Not shipped and past the planned finish today."})


class FactoryRefSchema(StrictSchema):
    id = UUIDField()
    code = fields.String()
    name = fields.String()
    country = fields.String()
    city = fields.String(allow_none=True)


class CorrectiveActionFiguresSchema(StrictSchema):
    open = fields.Integer(metadata={"description": "Not closed yet."})
    overdue = fields.Integer(metadata={"description": "Not closed and past the due date today."})
    awaiting_verification = fields.Integer(metadata={"description": "Answered by the factory, waiting for QC."})


class ScorecardSchema(StrictSchema):
    factory = fields.Nested(FactoryRefSchema)
    period = fields.String()
    totals = fields.Nested(FiguresSchema)
    trend = fields.List(fields.Nested(PeriodFiguresSchema))
    top_defects = fields.Nested(ParetoSchema)
    last_inspections = fields.List(fields.Nested(InspectionRowSchema))
    switching = fields.Nested(FactorySwitchingSchema, allow_none=True)
    deliveries = fields.Nested(DeliveriesSchema)
    corrective_actions = fields.Nested(CorrectiveActionFiguresSchema)
    milestones = fields.Nested(FactoryPunctualitySchema, allow_none=True, metadata={
        "description": "milestone stages reached on or before their planned day, and the delays by reason"})
