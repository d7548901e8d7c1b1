"""The collector pause of bulk requests (server/gc_pause.py): off while any paused request runs, back on after
the last, and left off when it was off before."""

import gc
import threading

import pytest

from server.gc_pause import collector_paused


@pytest.fixture(autouse=True)
def collector_on():
    """On for each test, and afterwards as it was: a test that leaves it off changes how every later test's
    leftovers are freed (a streamed test response left open keeps its app context, and its user, current)."""
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_inside_and_on_again_after():
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_failing_request_turns_it_back_on_too():
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("refused")
    assert gc.isenabled()


def test_it_stays_off_until_the_last_of_overlapping_requests_ends():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with collector_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with collector_paused():
            second_in.set()
            first_out.wait(5)
            seen["after the first ended"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"after the first ended": False}
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


@collector_paused()
def _decorated():
    return gc.isenabled()


def test_as_a_decorator():
    assert _decorated() is False
    assert gc.isenabled()
