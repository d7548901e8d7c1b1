"""The OpenAPI document tells the truth: schemathesis fuzzes every operation it documents.

For each role (and for nobody) every documented operation gets a bounded number of generated
requests, valid and invalid ones, sent in-process (WSGI, no network). Two checks must hold for
every answer: it is never a server error, and it matches the documented response (status code,
body schema, nullability). ``SEAMLINE_SOAK=1`` raises the example count; the seed is fixed and
printed (``SEAMLINE_FUZZ_SEED`` replays another).

The regular run uses SQLite only, to stay within a few minutes: the same schemas and handlers
answer on PostgreSQL, whose value-range behaviour is covered by tests/api/test_input_limits.py
on both backends; ``SEAMLINE_SOAK=1`` fuzzes PostgreSQL too. ``SEAMLINE_FUZZ_EXAMPLES=n`` sets
the example count directly.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

SOAK = os.environ.get("SEAMLINE_SOAK") == "1"
EXAMPLES_PER_OPERATION = int(os.environ.get("SEAMLINE_FUZZ_EXAMPLES", 60 if SOAK else 6))
SEED = int(os.environ.get("SEAMLINE_FUZZ_SEED", "20261130"))
CHECKS = [not_a_server_error, response_schema_conformance]

# Anonymous plus one persona of each role (tests/world.py).
PERSONAS = [None, "inspector_a", "factory_a", "designer", "manager", "admin"]


def _bearer_token(login_as, persona: str) -> str:
    """A Bearer token of the persona: unlike a cookie session, a fuzzed logout cannot end it."""
    from world import PASSWORD

    created = login_as(persona).post("/api/v1/auth/tokens", json={"name": "fuzz", "password": PASSWORD})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["token"]


def _describe(exc: BaseException) -> str:
    parts = exc.exceptions if isinstance(exc, BaseExceptionGroup) else (exc,)
    return "\n  ".join(" | ".join(line.strip() for line in str(part).splitlines() if line.strip())[:700]
                        for part in parts)


def _fuzz_operation(operation, headers: dict) -> list[str]:
    """Send the operation's generated cases; return the failures (all of them, unshrunk)."""
    failures: list[str] = []
    try:
        strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                             operation.as_strategy(GenerationMode.NEGATIVE))
    except Exception as exc:  # noqa: BLE001 - an invalid part of the document is a failure too
        return [f"{operation.label}: cannot generate requests: {exc}"]

    @seed(SEED)
    @settings(max_examples=EXAMPLES_PER_OPERATION, database=None, deadline=None, derandomize=False,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every failure is collected, reported below
            failures.append(f"{operation.label}: {_describe(exc)}\n    {case.as_curl_command()}")

    run()
    return failures


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p or "anonymous")
def test_every_documented_operation_answers_as_documented(app, backend, login_as, persona):
    if backend != "sqlite" and not SOAK:
        pytest.skip("fuzzed on PostgreSQL only with SEAMLINE_SOAK=1 (see the module docstring)")
    print(f"schemathesis seed {SEED}, {EXAMPLES_PER_OPERATION} examples per operation, persona {persona}")
    # The test client does not undo gzip as an HTTP client would: ask for plain bodies.
    headers = {"Accept-Encoding": "identity"}
    if persona:
        headers["Authorization"] = f"Bearer {_bearer_token(login_as, persona)}"
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        try:
            operation = result.ok()
        except Exception as exc:  # noqa: BLE001 - an invalid part of the document is a failure too
            failures.append(f"invalid operation: {exc}")
            continue
        failures.extend(_fuzz_operation(operation, headers))
    assert not failures, f"{len(failures)} failures (seed {SEED}):\n" + "\n".join(failures)
