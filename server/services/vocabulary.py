"""The document that tells a client the domain's words and rules, so it never keeps copies of them.

Everything here is read from where the rule lives: the fixed vocabularies from
``server.models.vocab``, each entity's operations, roles and immutable fields
from its registry entry (``server.services.entities``), each field's limits
from its marshmallow schema, and the ISO 2859-1 tables from the AQL engine.
The phone validates input and builds its lists from this document.
"""

from __future__ import annotations

import functools
import hashlib
import json

from marshmallow import fields as ma
from marshmallow import validate

from server.aql import tables_document
from server.models import vocab
from server.schemas import order_import
from server.schemas.common import Bound
from server.services import entities
from server.services.records import Resource

# Which words the app needs, by the name it reads them under.
VOCABULARIES = {
    "roles": vocab.ROLES,
    "product_categories": vocab.PRODUCT_CATEGORIES,
    "inspection_types": vocab.INSPECTION_TYPES,
    "inspection_statuses": vocab.INSPECTION_STATUSES,
    "inspection_levels": vocab.INSPECTION_LEVELS,
    "switching_states": vocab.SWITCHING_STATES,
    "count_bases": vocab.COUNT_BASES,
    "verdicts": vocab.VERDICTS,
    "dispositions": vocab.DISPOSITIONS,
    "severities": vocab.SEVERITIES,
    "defect_categories": vocab.DEFECT_CATEGORIES,
    "milestone_stages": vocab.MILESTONE_STAGES,
    "delay_reasons": vocab.DELAY_REASONS,
    "purchase_order_statuses": vocab.PURCHASE_ORDER_STATUSES,
    "incoterms": vocab.INCOTERMS,
    # The purchase-order CSV's columns, in order (server/schemas/order_import.py), for the import screen.
    "purchase_order_csv_columns": order_import.COLUMNS,
    "production_order_statuses": vocab.PRODUCTION_ORDER_STATUSES,
    "open_production_order_statuses": vocab.OPEN_PRODUCTION_ORDER_STATUSES,
    # An order with a booking of a type in one of these is not booked for that type again.
    "open_booking_statuses": vocab.OPEN_BOOKING_STATUSES,
    "photo_kinds": vocab.PHOTO_KINDS,
    "checklist_results": vocab.CHECKLIST_RESULTS,
    "notification_events": vocab.NOTIFICATION_EVENTS,
    "corrective_action_statuses": vocab.CORRECTIVE_ACTION_STATUSES,
    # [from, to, [roles]]: which buttons the app offers on an action.
    "corrective_action_transitions": vocab.CORRECTIVE_ACTION_TRANSITIONS,
    "review_root_causes": vocab.REVIEW_ROOT_CAUSES,
    "review_statuses": vocab.REVIEW_STATUSES,
    "review_queue_statuses": vocab.REVIEW_QUEUE_STATUSES,
}

_TYPES = [(ma.Integer, "integer"), (ma.Decimal, "decimal"), (ma.Float, "number"), (ma.Boolean, "boolean"),
          (ma.UUID, "uuid"), (ma.Date, "date"), (ma.DateTime, "datetime"), (ma.String, "string"),
          (ma.List, "list"), (ma.Nested, "object"), (ma.Dict, "object")]


@functools.cache
def document() -> dict:
    """The whole document, with a version that changes whenever any part of it does."""
    body = {
        "vocabulary": {name: list(values) for name, values in VOCABULARIES.items()},
        "entities": {resource.entity: _entity(resource) for resource in entities.ALL},
        "permissions": _permissions(),
        "aql": tables_document(),
    }
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return {"version": digest, **body}


def _entity(resource: Resource) -> dict:
    schema = resource.schema()
    return {
        "label": resource.label,
        "immutable": list(resource.immutable),
        "operations": {"create": list(resource.create), "update": list(resource.update),
                       "delete": list(resource.delete),
                       **{op.name: list(op.roles) for op in resource.operations}},
        "fields": {name: field_limits(field) for name, field in schema.fields.items() if not field.dump_only},
    }


def field_limits(field: ma.Field) -> dict:
    """What a client must check before it sends a value: type, required, nullable, range, length, choices."""
    limits: dict = {"type": next((name for kind, name in _TYPES if isinstance(field, kind)), "any"),
                    "required": bool(field.required), "nullable": bool(field.allow_none)}
    if isinstance(field, ma.Integer):
        limits["whole"] = True
    if isinstance(field, ma.Decimal) and field.places is not None:
        # marshmallow keeps places as a quantum (Decimal("0.01")); a client wants the count (2).
        limits["places"] = -field.places.as_tuple().exponent
    for validator in _validators(field):
        if isinstance(validator, validate.Range):
            if validator.min is not None:
                limits["min"] = _number(validator.min)
            if validator.max is not None:
                limits["max"] = _number(validator.max)
            if isinstance(validator, Bound):
                limits["message"] = validator.error  # "Must be a whole number from 1 to 10,000,000."
        elif isinstance(validator, validate.Length):
            if validator.min:
                limits["min_length"] = validator.min
            if validator.max is not None:
                limits["max_length"] = validator.max
        elif isinstance(validator, validate.OneOf):
            limits["choices"] = list(validator.choices)
        elif isinstance(validator, validate.Regexp):
            limits["pattern"] = validator.regex.pattern
    return limits


def _validators(field: ma.Field) -> list:
    found = list(field.validators)
    for validator in list(found):
        found += list(getattr(validator, "validators", ()))  # validate.And
    return found


def _number(value):
    return int(value) if float(value).is_integer() else float(value)


def _permissions() -> dict:
    """Per role, per entity, the operations it may perform (reading included)."""
    permissions: dict = {}
    for role in vocab.ROLES:
        permissions[role] = {}
        for resource in entities.ALL:
            allowed = [op for op, roles in (("read", resource.read), ("create", resource.create),
                                            ("update", resource.update), ("delete", resource.delete))
                       if role in roles]
            allowed += [op.name for op in resource.operations if role in op.roles]
            allowed += [name for name, roles in resource.grants if role in roles]
            permissions[role][resource.entity] = allowed
    return permissions
