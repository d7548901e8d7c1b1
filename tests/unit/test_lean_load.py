"""The lean load loop (server/schemas/lean_load.py) loads exactly as marshmallow's own: the same data, the same
errors, over every schema a client's input goes through, with inputs that leave fields out, send them null, send
them of the wrong type, or add unknown ones."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import uuid

import pytest
from marshmallow import Schema, ValidationError

import server.schemas
from server.schemas.lean_load import LeanLoadSchema

SCHEMA_MODULES = [importlib.import_module(f"server.schemas.{m.name}") for m in pkgutil.iter_modules(server.schemas.__path__)]
LEAN_SCHEMAS = sorted({cls for module in SCHEMA_MODULES for _, cls in inspect.getmembers(module, inspect.isclass)
                       if issubclass(cls, LeanLoadSchema) and cls is not LeanLoadSchema and cls.__module__ == module.__name__},
                      key=lambda cls: cls.__name__)

# Values of every kind a JSON body holds, valid for some fields and wrong for others.
SAMPLES = (None, "text", "2026-11-30T08:15:00+07:00", "4.0", str(uuid.UUID(int=7)), 3, -1, True, [1, 2], {"a": 1})


def _inputs(schema: Schema) -> list[dict]:
    names = [field.data_key or name for name, field in schema.load_fields.items()]
    inputs = [{}, {"not_a_field": 1}]
    # Fields a client may not send (dump_only) are unknown to a load.
    inputs += [{field.data_key or name: "x"} for name, field in schema.fields.items() if name not in schema.load_fields]
    for offset, name in enumerate(names):
        inputs += [{name: sample} for sample in SAMPLES]
        # Several fields at once, each with a different kind of value, and one unknown.
        inputs.append({other: SAMPLES[(offset + n) % len(SAMPLES)] for n, other in enumerate(names)})
        inputs.append({other: SAMPLES[(offset + n) % len(SAMPLES)] for n, other in enumerate(names) if n % 2}
                      | {"extra": "x"})
    return inputs


def _outcome(schema: Schema, data, partial):
    try:
        return "loaded", schema.load(data, partial=partial)
    except ValidationError as error:
        return "refused", error.messages, error.valid_data
    except Exception as error:  # a schema validator that assumes a field is there, under partial=True
        return "raised", type(error).__name__, str(error)


def _schema(cls: type[Schema]) -> Schema | None:
    try:
        return cls()
    except TypeError:  # needs arguments of its own
        return None


@pytest.mark.parametrize("cls", LEAN_SCHEMAS, ids=lambda cls: cls.__name__)
def test_the_lean_loop_loads_as_marshmallow_does(cls, monkeypatch):
    assert _schema(cls) is not None, f"{cls.__name__} cannot be built without arguments: give this test a way"
    cases = [(data, partial) for data in _inputs(cls()) for partial in (None, True)]
    cases.append(("not a mapping", None))
    lean = [_outcome(cls(), data, partial) for data, partial in cases]
    monkeypatch.setattr(LeanLoadSchema, "_deserialize", Schema._deserialize)
    reference = [_outcome(cls(), data, partial) for data, partial in cases]
    for (data, partial), got, expected in zip(cases, lean, reference, strict=True):
        assert got == expected, f"{cls.__name__}.load({data!r}, partial={partial})"


def test_the_registry_schemas_are_lean():
    from server.services.entities import BY_ENTITY

    plain = [resource.schema.__name__ for resource in BY_ENTITY.values()
             if resource.schema is not None and not issubclass(resource.schema, LeanLoadSchema)]
    assert plain == []
    assert len(LEAN_SCHEMAS) > 40
