"""A nesting limit for every JSON body the server reads.

Python's JSON parser recurses once per level: a body of 100,000 nested brackets ends in a
RecursionError (a 500), and a value nested 900 deep parses but breaks whatever walks it
later (recording a rejected sync mutation, for one). Nothing Seamline sends nests deeper
than a handful of levels (a push: body, mutations, mutation, fields, a location or a plan),
so a body nested deeper than :data:`MAX_JSON_DEPTH` is refused with 400 ``json_too_deep``
before any parser or schema sees it.

The depth is measured without parsing: strings are cut out, then innermost pairs of
brackets are removed one level per pass, a pass being one regular-expression sweep in C;
after MAX_JSON_DEPTH passes a JSON text within the limit is empty.
"""

from __future__ import annotations

import re

from flask.json.provider import DefaultJSONProvider

from server.errors import ApiError

MAX_JSON_DEPTH = 32

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_INNERMOST_PAIR = re.compile(rb"\[\]|\{\}")


def nests_deeper_than(raw: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the JSON text nests arrays and objects more than ``limit`` levels deep."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", raw))
    for _ in range(limit):
        if not brackets:
            return False
        reduced = _INNERMOST_PAIR.sub(b"", brackets)
        if reduced == brackets:
            return False  # unbalanced: not JSON at all, which the parser reports
        brackets = reduced
    return _INNERMOST_PAIR.search(brackets) is not None


def check_json_depth(raw: bytes | str) -> None:
    if nests_deeper_than(raw):
        raise ApiError(400, "json_too_deep", f"The JSON nests deeper than {MAX_JSON_DEPTH} levels.",
                       {"_request": [f"Nest arrays and objects at most {MAX_JSON_DEPTH} levels deep."]})


class DepthLimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON (request.get_json and friends), refusing over-deep texts first."""

    def loads(self, s, **kwargs):
        check_json_depth(s)
        return super().loads(s, **kwargs)
