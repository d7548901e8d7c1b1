"""JSON text for the database's JSON columns: the same text as ``json.dumps(value)``, written faster.

A push of 12,000 records writes 35,000 JSON values (each record's field versions, its audit entry's changes, an
inspection's plan). ``json.dumps`` builds a new C encoder for each of them, which is half the time of encoding a
small dict; this module builds it once. Its settings are ``json.dumps``'s defaults (ASCII only, ``", "`` and
``": "`` separators, NaN allowed, keys in their order), and without the circular-reference check, which JSON
columns built from plain values do not need.
"""

from __future__ import annotations

import json
from json import encoder as _encoder
from typing import Any


def _unknown(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_c_encode = (_encoder.c_make_encoder(None, _unknown, _encoder.encode_basestring_ascii, None, ": ", ", ", False, False,
                                     True) if _encoder.c_make_encoder is not None else None)


def dumps(value: Any) -> str:
    """``json.dumps(value)``, with the encoder built once."""
    if _c_encode is None:
        return json.dumps(value)  # a Python without json's C accelerator
    return "".join(_c_encode(value, 0))
