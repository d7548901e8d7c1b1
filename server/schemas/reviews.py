"""Design reviews and their comments (records), and the design-review queries' arguments and answers.

Query arguments are strict: an unknown filter, an impossible date range or an
oversized page is a 400 naming the parameter.
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, validates_schema

from server.models.vocab import (
    DEFECT_CATEGORIES,
    PRODUCT_CATEGORIES,
    REVIEW_QUEUE_STATUSES,
    REVIEW_ROOT_CAUSES,
    REVIEW_STATUSES,
    SEVERITIES,
)
from server.schemas.analytics import MAX_RANGE_DAYS
from server.schemas.common import MAX_PAGE, RecordSchema, StrictSchema, UUIDField, one_of, text, whole_number

# --- records ----------------------------------------------------------------------------------------


class DefectReviewSchema(RecordSchema):
    # Which defects a review is about never changes; what design decided about them does.
    IMMUTABLE = ("inspection_id", "style_id", "defect_type_id", "severity")
    inspection_id = UUIDField(required=True)
    factory_id = UUIDField(dump_only=True)
    style_id = UUIDField(metadata={"description": "The reviewed style; may be left out when the inspection "
                                                    "covers one style only."})
    defect_type_id = UUIDField(required=True)
    severity = fields.String(required=True, validate=one_of(SEVERITIES))
    root_cause = fields.String(allow_none=True, validate=one_of(REVIEW_ROOT_CAUSES))
    status = fields.String(validate=one_of(REVIEW_STATUSES))
    fix_tech_pack_version_id = UUIDField(allow_none=True, metadata={
        "description": "The tech-pack version of the reviewed style that carries the fix."})


class ReviewCommentSchema(RecordSchema):
    IMMUTABLE = ("review_id", "body")
    review_id = UUIDField(required=True)
    factory_id = UUIDField(dump_only=True)
    body = text(4000, required=True)


# --- the review queue -------------------------------------------------------------------------------

QUEUE_MAX_PAGE_SIZE = 100
# A group nobody reviewed yet; the other queue statuses are review statuses.
UNREVIEWED = REVIEW_QUEUE_STATUSES[0]


class QueueArgs(StrictSchema):
    style_id = UUIDField()
    season = text(16, required=False, allow_none=False)
    factory_id = UUIDField()
    defect_type_id = UUIDField()
    category = fields.String(validate=one_of(PRODUCT_CATEGORIES), metadata={"description": "The style's category."})
    defect_category = fields.String(validate=one_of(DEFECT_CATEGORIES))
    severity = fields.String(validate=one_of(SEVERITIES))
    review_status = fields.String(validate=one_of(REVIEW_QUEUE_STATUSES))
    date_from = fields.Date(metadata={"description": "First finalize day (UTC), inclusive."})
    date_to = fields.Date(metadata={"description": "Last finalize day (UTC), inclusive."})
    page = whole_number(1, MAX_PAGE, from_text=True, load_default=1)
    page_size = whole_number(1, QUEUE_MAX_PAGE_SIZE, from_text=True, load_default=25)

    @validates_schema
    def _date_range(self, data, **kwargs):
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise ValidationError("Must not be before date_from.", "date_to")
        if start and end and (end - start).days > MAX_RANGE_DAYS:
            raise ValidationError(f"A range of at most {MAX_RANGE_DAYS} days.", "date_to")


class PhotoRefSchema(StrictSchema):
    id = UUIDField()
    sha256 = fields.String()
    defect_id = UUIDField()


class DefectNoteSchema(StrictSchema):
    id = UUIDField()
    location = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class ReviewRefSchema(StrictSchema):
    id = UUIDField()
    status = fields.String()
    root_cause = fields.String(allow_none=True)
    fix_tech_pack_version_id = UUIDField(allow_none=True)
    fix_version_label = fields.String(allow_none=True)
    comments = fields.Integer()


class QueueRowSchema(StrictSchema):
    inspection_id = UUIDField()
    finished_at = fields.DateTime()
    inspection_type = fields.String()
    factory_id = UUIDField()
    factory_name = fields.String()
    style_id = UUIDField()
    defect_type_id = UUIDField()
    defect_code = fields.String()
    defect_name = fields.String()
    defect_category = fields.String()
    severity = fields.String()
    count = fields.Integer(metadata={"description": "Defects of this type and severity in the inspection."})
    defects = fields.List(fields.Nested(DefectNoteSchema), metadata={"description": "Up to 20 of them."})
    photos = fields.List(fields.Nested(PhotoRefSchema), metadata={"description": "Up to 6 stored photos."})
    review = fields.Nested(ReviewRefSchema, allow_none=True)


class UnreviewedSchema(StrictSchema):
    critical = fields.Integer()
    major = fields.Integer()


class StyleUnreviewedSchema(UnreviewedSchema):
    style_id = UUIDField()
    style_number = fields.String()
    name = fields.String()


class QueueStyleSchema(StrictSchema):
    style_id = UUIDField()
    style_number = fields.String()
    name = fields.String()
    season = fields.String(allow_none=True)
    category = fields.String()
    unreviewed = fields.Nested(UnreviewedSchema, metadata={"description": "Over every page of the filtered queue."})
    rows = fields.List(fields.Nested(QueueRowSchema))


class QueueSchema(StrictSchema):
    total = fields.Integer(metadata={"description": "Defect groups matching the filters, over every page."})
    page = fields.Integer()
    page_size = fields.Integer()
    unreviewed = fields.Nested(UnreviewedSchema, metadata={"description": "Unreviewed critical and major defects "
                                                                           "matching the filters (review_status "
                                                                           "aside)."})
    unreviewed_by_style = fields.List(fields.Nested(StyleUnreviewedSchema))
    styles = fields.List(fields.Nested(QueueStyleSchema), metadata={"description": "This page's rows by style."})


# --- a style's history ------------------------------------------------------------------------------


class HistoryFiguresSchema(StrictSchema):
    inspections = fields.Integer()
    units_inspected = fields.Integer(metadata={"description": "Sum of each inspection's largest sample size."})
    defects = fields.Integer()
    critical = fields.Integer()
    major = fields.Integer()
    minor = fields.Integer()
    dhu = fields.Float(allow_none=True, metadata={"description": "Defects per hundred units inspected."})


class FactoryFiguresSchema(HistoryFiguresSchema):
    factory_id = UUIDField()
    factory_name = fields.String()


class FixSchema(StrictSchema):
    review_id = UUIDField()
    inspection_id = UUIDField()
    defect_type_id = UUIDField()
    defect_code = fields.String()
    defect_name = fields.String()
    severity = fields.String()
    root_cause = fields.String(allow_none=True)
    status = fields.String()
    before = fields.Nested(HistoryFiguresSchema, metadata={"description": "This defect type on earlier versions."})
    after = fields.Nested(HistoryFiguresSchema, metadata={"description": "This defect type on this version and "
                                                                          "later ones."})


class VersionHistorySchema(StrictSchema):
    tech_pack_version_id = UUIDField()
    version_label = fields.String()
    issued_on = fields.Date()
    on_version = fields.Nested(HistoryFiguresSchema, metadata={"description": "Inspections made on this version."})
    before = fields.Nested(HistoryFiguresSchema, metadata={"description": "Inspections on earlier versions."})
    after = fields.Nested(HistoryFiguresSchema, metadata={"description": "Inspections on this version and later."})
    factories = fields.List(fields.Nested(FactoryFiguresSchema), metadata={"description": "on_version by factory."})
    fixes = fields.List(fields.Nested(FixSchema), metadata={"description": "Reviews whose fix this version carries."})


class StyleHistorySchema(StrictSchema):
    style_id = UUIDField()
    style_number = fields.String()
    name = fields.String()
    season = fields.String(allow_none=True)
    category = fields.String()
    totals = fields.Nested(HistoryFiguresSchema)
    unversioned = fields.Nested(HistoryFiguresSchema, metadata={
        "description": "Inspections that name no tech-pack version of this style."})
    versions = fields.List(fields.Nested(VersionHistorySchema))
