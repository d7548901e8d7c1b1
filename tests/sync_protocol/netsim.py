"""In-process transports for the Python sync client: the real Flask app, with a faulty network on demand."""

from __future__ import annotations

import random
from urllib.parse import urlsplit


class AppTransport:
    """Sends the client's requests to a Flask app through its test client (cookies kept).

    ``app`` can be swapped to simulate a server restart: a new app object on the same database.
    """

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.requests = 0

    def restart(self, new_app):
        cookies = list(self.client._cookies.values()) if hasattr(self.client, "_cookies") else []
        self.app = new_app
        self.client = new_app.test_client()
        for cookie in cookies:
            self.client.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)

    def __call__(self, method, url, headers, body):
        self.requests += 1
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = self.client.open(path, method=method, headers=headers, data=body)
        return response.status_code, dict(response.headers), response.get_data()


class FaultyNetwork:
    """Wraps a transport: drops requests, loses answers after the server acted, duplicates requests.

    Faults are drawn from a seeded Random, so a failing run replays exactly.
    """

    def __init__(self, inner, rng: random.Random, drop=0.1, lose_answer=0.1, duplicate=0.1):
        self.inner, self.rng = inner, rng
        self.drop, self.lose_answer, self.duplicate = drop, lose_answer, duplicate
        self.enabled = True
        self.faults = {"dropped": 0, "answers_lost": 0, "duplicated": 0}

    def __call__(self, method, url, headers, body):
        if not self.enabled:
            return self.inner(method, url, headers, body)
        roll = self.rng.random()
        if roll < self.drop:
            self.faults["dropped"] += 1
            raise ConnectionError("simulated: request dropped")
        if roll < self.drop + self.duplicate:
            self.faults["duplicated"] += 1
            self.inner(method, url, headers, body)
        answer = self.inner(method, url, headers, body)
        if self.rng.random() < self.lose_answer:
            self.faults["answers_lost"] += 1
            raise ConnectionError("simulated: answer lost after the server acted")
        return answer
