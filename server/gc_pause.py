"""Python's cyclic garbage collector, paused for the length of a bulk request.

A sync push of a few thousand mutations makes hundreds of thousands of container objects (parsed JSON, ORM
records and their states, audit rows) that all live until its commit. The collector runs every 700 new
containers and, as they survive, ever more often over the oldest generation, walking everything the process
holds each time: about a sixth of a 12,000-mutation push's time (bench/RESULTS_peer.md). A pull page of up
to 2,000 records and an imported file are paused alike. What a request drops that holds no cycle is freed at
once by reference counting whatever the collector does; only cyclic garbage waits, and only until the last
paused request ends, a few seconds at most (a push is bounded by its body limit and PROTOCOL.md's batch size).

The switch is the process's, shared by every thread: the requests that pause it are counted, and the
collector runs again when the last of them ends, unless it was off before the first began.
"""

from __future__ import annotations

import gc
import threading
from contextlib import ContextDecorator

_lock = threading.Lock()
_paused = 0
_switched_off = False  # whether the pause turned the collector off (it may have been off already)


class collector_paused(ContextDecorator):
    """``with collector_paused():`` or ``@collector_paused()``: no cyclic collection inside."""

    def __enter__(self):
        global _paused, _switched_off
        with _lock:
            if _paused == 0:
                _switched_off = gc.isenabled()
                gc.disable()
            _paused += 1
        return self

    def __exit__(self, *exc):
        global _paused
        with _lock:
            _paused -= 1
            if _paused == 0 and _switched_off:
                gc.enable()
        return False
