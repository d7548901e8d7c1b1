"""marshmallow's per-record load loop, without its per-field overhead.

A sync push loads every mutation twice through marshmallow (its envelope, then its record's fields): 24,000 loads
for a batch of 12,000. marshmallow 3's ``Schema._deserialize`` visits every load field of the schema for each
record, present or not, and for each one builds a closure and a keyword dict and goes through
``_call_and_store``: an inspection, 9 fields sent of its schema's 27, paid for 27. This loop gives the same result,
the same errors at the same places and the same order of keys, field by field through the same
``Field.deserialize``, but skips the fields an input leaves out that could not change the outcome (neither
required nor with a load default, so marshmallow would have dropped them), and calls each field directly.

Anything unusual (``many``, ``partial`` as a list of names, a non-mapping input) goes through marshmallow's own
loop. tests/unit/test_lean_load.py compares both loops over every schema in server/schemas.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, INCLUDE, RAISE, Schema, ValidationError, fields, missing
from marshmallow.utils import set_value


class LeanLoadSchema(Schema):
    # Per instance, made at the first load (fields are bound by then): the plan per field, and the input names it
    # knows (any other is unknown).
    _lean_plan: tuple | None = None
    _lean_known: frozenset[str] = frozenset()

    def _deserialize(self, data: Any, *, error_store, many: bool = False, partial=None, unknown=RAISE,
                     index=None):
        if many or partial not in (None, True, False) or not isinstance(data, Mapping):
            return super()._deserialize(data, error_store=error_store, many=many, partial=partial, unknown=unknown,
                                        index=index)
        index = index if self.opts.index_errors else None
        plan = self._lean_plan
        if plan is None:
            plan = self._lean_plan = _plan_of(self)
            self._lean_known = frozenset(field_name for field_name, *_ in plan)
        loaded = self.dict_class()
        kwargs = {} if partial is None else {"partial": partial}
        for field_name, field, key, matters_when_absent in plan:
            raw = data.get(field_name, missing)
            if raw is missing and (partial is True or not matters_when_absent):
                continue  # marshmallow would skip it, or get `missing` back and drop it
            try:
                value = field.deserialize(raw, field_name, data, **kwargs)
            except ValidationError as error:
                error_store.store_error(error.messages, field_name, index=index)
                value = error.valid_data or missing
            if value is not missing:
                set_value(loaded, key, value)
        if unknown != EXCLUDE:
            for name in [name for name in data if name not in self._lean_known]:
                if unknown == INCLUDE:
                    loaded[name] = data[name]
                elif unknown == RAISE:
                    error_store.store_error([self.error_messages["unknown"]], name, index)
        return loaded


def _plan_of(schema: Schema) -> tuple[tuple[str, fields.Field, str, bool], ...]:
    """(name in the input, field, key in the result, whether its absence can matter) per load field, in order."""
    plan = []
    for attr_name, field in schema.load_fields.items():
        field_name = field.data_key if field.data_key is not None else attr_name
        matters_when_absent = (field.required or field.load_default is not missing
                               or type(field).deserialize is not fields.Field.deserialize)
        plan.append((field_name, field, field.attribute or attr_name, matters_when_absent))
    return tuple(plan)
