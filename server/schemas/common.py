"""Shared schema pieces: record metadata, strict loading, error-free dumping, numeric bounds.

Every number a client may send is bounded here, once: by the range of its database column
and by what the domain allows. A value outside is a 400 naming the field and the limit
(or, in a sync push, a rejected mutation), never an overflow deep in the database. The
bounds are :class:`Bound` validators on the fields, so :func:`bounds_of` can read them back
(to serve them to the phone, for instance) and apispec writes them into the OpenAPI document.
"""

from __future__ import annotations

import decimal
import functools
import uuid
from decimal import Decimal

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate

from server.schemas.lean_load import LeanLoadSchema

# --- numeric bounds ---------------------------------------------------------------------------

# The largest lot, order or stage quantity of one production order: far above any real one,
# far below the 32-bit INTEGER columns that hold them.
MAX_QUANTITY = 10_000_000
# A stage's cumulative quantity may run past the order: the app accepts up to 10 % over.
MAX_STAGE_QUANTITY = MAX_QUANTITY + MAX_QUANTITY // 10
# Counters a phone keeps (mutation ids, versions, byte offsets) stop at the largest integer
# JavaScript holds exactly; the BIGINT columns behind them go further.
MAX_CLIENT_COUNTER = 2**53 - 1
# A list page beyond this would skip more rows than any table here will hold (and its offset
# must still fit a 64-bit integer).
MAX_PAGE = 1_000_000


def _grouped(value) -> str:
    return f"{value:,}"


class Bound(validate.Range):
    """An inclusive range for a whole number or a decimal, with a message naming the limits.

    ``kind`` is "integer" or "decimal"; ``places`` the decimal places a decimal may have.
    """

    def __init__(self, minimum, maximum, kind: str = "integer", places: int | None = None):
        self.kind = kind
        self.places = places
        super().__init__(min=minimum, max=maximum, error=self.describe(minimum, maximum, kind, places))

    @staticmethod
    def describe(minimum, maximum, kind: str, places: int | None) -> str:
        if kind == "integer":
            return f"Must be a whole number from {_grouped(minimum)} to {_grouped(maximum)}."
        low, high = (f"{Decimal(v):,.{places}f}" for v in (minimum, maximum))
        return f"Must be a number from {low} to {high} with at most {places} decimal places."

    def as_dict(self) -> dict:
        """The bound as plain data (decimals as strings), e.g. for a vocabulary document."""
        if self.kind == "integer":
            return {"kind": "integer", "minimum": self.min, "maximum": self.max}
        return {"kind": "decimal", "minimum": str(self.min), "maximum": str(self.max), "places": self.places}


def whole_number(minimum: int, maximum: int, *, from_text: bool = False, **kw) -> fields.Integer:
    """An integer field bounded to [minimum, maximum].

    JSON bodies must send a JSON integer (2.5, "3" and true are refused, never truncated);
    query strings and headers (``from_text``) are text by nature and are parsed.
    """
    bound = Bound(minimum, maximum)
    return fields.Integer(strict=not from_text, validate=bound, error_messages={"invalid": bound.error}, **kw)


class DecimalString(fields.Decimal):
    """A decimal carried as a string ("52.50"), as the columns' exact values are; numbers are accepted too.

    More decimal places than the column keeps are refused rather than rounded away.
    """

    def __init__(self, bound: Bound, **kw):
        self.bound = bound
        super().__init__(as_string=True, places=bound.places, validate=bound,
                         error_messages={"invalid": bound.error, "special": bound.error}, **kw)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.make_error("invalid")
        try:
            exact = Decimal(str(value).strip())
        except (decimal.InvalidOperation, ValueError) as exc:
            raise self.make_error("invalid") from exc
        if exact.is_finite() and exact.as_tuple().exponent < -(self.bound.places or 0):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def decimal_pattern(bound: Bound) -> str:
    """The OpenAPI pattern of a bounded decimal string (the bounds used here are never negative)."""
    whole_digits = len(str(int(bound.max)))
    return rf"^\d{{1,{whole_digits}}}(\.\d{{1,{bound.places}}})?$"


def decimal_number(minimum: str, maximum: str, places: int, **kw) -> DecimalString:
    """A decimal field bounded to [minimum, maximum] with at most ``places`` decimal places."""
    bound = Bound(Decimal(minimum), Decimal(maximum), kind="decimal", places=places)
    metadata = {"pattern": decimal_pattern(bound), "description": bound.error, **kw.pop("metadata", {})}
    return DecimalString(bound, metadata=metadata, **kw)


def bound_of(field: fields.Field) -> Bound | None:
    for validator in getattr(field, "validators", ()):
        if isinstance(validator, Bound):
            return validator
    return None


def bounds_of(schema: Schema | type[Schema]) -> dict[str, Bound]:
    """The bounded fields of a schema, by name (list items and dict values included as name[])."""
    instance = schema() if isinstance(schema, type) else schema
    found: dict[str, Bound] = {}
    for name, field in instance.fields.items():
        inner = getattr(field, "inner", None) or getattr(field, "value_field", None)
        for key, candidate in ((name, field), (f"{name}[]", inner)):
            bound = bound_of(candidate) if candidate is not None else None
            if bound is not None:
                found[key] = bound
    return found


# A push names the same inspection, factory and defect types thousands of times: each text is parsed once.
# parse_uuid(text) is uuid.UUID(text) through that cache (raises ValueError).
parse_uuid = functools.lru_cache(maxsize=8192)(uuid.UUID)


class UUIDField(fields.UUID):
    """marshmallow's UUID field, parsing text through a small cache (UUIDs are immutable, so one object may serve
    every record that names it)."""

    def _validated(self, value):
        if type(value) is str:
            try:
                return parse_uuid(value)
            except ValueError as error:
                raise self.make_error("invalid_uuid") from error
        return super()._validated(value)


# --- schemas ----------------------------------------------------------------------------------


class NulFreeSchema(LeanLoadSchema):
    """Text holding U+0000 is refused, naming the field: PostgreSQL can neither store nor compare it."""

    @pre_load
    def _refuse_nul_characters(self, data, **_):
        if hasattr(data, "items"):
            bad = [key for key, value in data.items() if isinstance(value, str) and "\x00" in value]
            if bad:
                raise ValidationError({key: ["Must not contain the NUL character (U+0000)."] for key in bad})
        return data


class StrictSchema(NulFreeSchema):
    """Unknown fields are errors: a typo must never be silently dropped."""

    class Meta:
        unknown = RAISE


class QueryArgs(NulFreeSchema):
    """Query-string arguments: unknown ones are ignored (caches and tools add their own)."""

    class Meta:
        unknown = EXCLUDE


class RecordSchema(StrictSchema):
    """Metadata every versioned record carries. ``id`` may be generated by the client."""

    id = UUIDField()
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    created_by_id = UUIDField(dump_only=True, allow_none=True, metadata={"description": "null when seeded"})
    deleted_at = fields.DateTime(dump_only=True, allow_none=True)
    server_version = fields.Integer(dump_only=True)

    # Fields that may be set at creation but never changed afterwards.
    IMMUTABLE: tuple[str, ...] = ()


def one_of(values) -> validate.OneOf:
    return validate.OneOf(values, error="Must be one of: {choices}.")


def text(max_length: int, required: bool = False, allow_none: bool = True, **kw) -> fields.String:
    return fields.String(
        required=required,
        allow_none=allow_none and not required,
        validate=validate.Length(min=1 if required else 0, max=max_length),
        **kw,
    )


class AqlField(fields.String):
    """An AQL column of ISO 2859-1 ("2.5", "4" == "4.0") or "0" for zero tolerance."""

    def _deserialize(self, value, attr, data, **kwargs):
        from server.aql import AqlError, normalize_aql

        value = super()._deserialize(str(value) if isinstance(value, (int, float)) else value, attr, data, **kwargs)
        try:
            return normalize_aql(value)
        except AqlError as exc:
            raise ValidationError(exc.message) from exc


class PageArgs(QueryArgs):
    """?page=&page_size= of a list; every list answers with its pages in the X-Pagination header."""

    page = whole_number(1, MAX_PAGE, from_text=True, load_default=1)
    page_size = whole_number(1, 50, from_text=True, load_default=50)

    @classmethod
    def sized(cls, default: int, maximum: int) -> type[PageArgs]:
        """PageArgs whose page_size defaults to ``default`` and stops at ``maximum``."""
        return type(f"PageArgs{maximum}", (cls,), {
            "page_size": whole_number(1, maximum, from_text=True, load_default=default)})
