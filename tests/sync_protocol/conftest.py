from __future__ import annotations

import pytest
import world
from sync_protocol.netsim import AppTransport

from sync.client import Backoff, SyncClient


@pytest.fixture
def make_client(app, tmp_path):
    """make_client("inspector_a") -> a SyncClient talking to the test app, with its own state file."""
    made = []

    def _make(persona: str, name: str | None = None, transport=None, **kwargs) -> SyncClient:
        email = world.PERSONAS[persona][0]
        client = SyncClient("http://seamline.test", email, world.PASSWORD,
                            state_path=str(tmp_path / f"{name or persona}-{len(made)}.db"),
                            transport=transport or AppTransport(app),
                            backoff=kwargs.pop("backoff", Backoff(attempts=8, sleep=lambda _s: None)), **kwargs)
        made.append(client)
        return client

    yield _make
    for client in made:
        client.close()
