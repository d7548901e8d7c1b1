"""server/json_text.py writes the same text as json.dumps, for every kind of value a JSON column holds."""

from __future__ import annotations

import json
import random

import pytest

from server.json_text import dumps

SEED = 20261202


def _value(rng: random.Random, depth: int = 0):
    kinds = ["none", "bool", "int", "float", "text"] + (["list", "dict"] if depth < 4 else [])
    kind = rng.choice(kinds)
    if kind == "none":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        return rng.randint(-10**12, 10**12)
    if kind == "float":
        return rng.choice([rng.uniform(-1e6, 1e6), 0.1, 1e300, -0.0, float("nan"), float("inf")])
    if kind == "text":
        return "".join(rng.choice('aZ09 "\\/\n\t\u00e9\u4e2d\U0001f600\x00') for _ in range(rng.randint(0, 12)))
    if kind == "list":
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {"".join(rng.choice("abc\u00e9") for _ in range(rng.randint(1, 4))): _value(rng, depth + 1)
            for _ in range(rng.randint(0, 4))}


def test_same_text_as_json_dumps():
    print(f"seed {SEED}")
    rng = random.Random(SEED)
    for _ in range(2000):
        value = _value(rng)
        assert dumps(value) == json.dumps(value), value


def test_what_json_cannot_hold_is_refused_as_json_dumps_refuses_it():
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps({"at": object()})
