"""LocalDiskStorage: resumable parts, atomic objects, name rules and per-key locking."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
import time
from pathlib import Path

import pytest

from server.photos import LocalDiskStorage, OffsetMismatch, PhotoStorage, validate_name
from server.photos import storage as storage_module


def key_for(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


KEY = key_for("upload")
NAME = KEY + ".orig"
DATA = bytes(range(256)) * 40  # 10 240 bytes


@pytest.fixture
def storage(tmp_path: Path) -> LocalDiskStorage:
    return LocalDiskStorage(tmp_path / "photos")


def files_under(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def upload(storage: LocalDiskStorage, key: str, data: bytes, chunk: int, start: int = 0) -> None:
    offset = start
    while offset < len(data):
        offset = storage.put_part(key, offset, data[offset:offset + chunk])


def test_it_implements_the_interface(storage):
    assert isinstance(storage, PhotoStorage)


# --- parts -------------------------------------------------------------------------


def test_chunks_at_the_right_offsets_make_the_part(storage):
    assert storage.part_size(KEY) == 0
    assert storage.put_part(KEY, 0, DATA[:1000]) == 1000
    assert storage.put_part(KEY, 1000, DATA[1000:]) == len(DATA)
    assert storage.part_size(KEY) == len(DATA)
    with storage.read_part(KEY) as part:
        assert part.read() == DATA


@pytest.mark.parametrize("offset", [0, 999, 1001, 5000])
def test_a_chunk_at_the_wrong_offset_is_refused_with_the_current_size(storage, offset):
    storage.put_part(KEY, 0, DATA[:1000])
    with pytest.raises(OffsetMismatch) as raised:
        storage.put_part(KEY, offset, DATA[offset:offset + 100])
    assert raised.value.current_size == 1000
    assert storage.part_size(KEY) == 1000


def test_a_first_chunk_not_at_zero_is_refused_and_creates_nothing(storage, tmp_path):
    with pytest.raises(OffsetMismatch) as raised:
        storage.put_part(KEY, 10, DATA[10:20])
    assert raised.value.current_size == 0
    assert files_under(tmp_path) == []


def test_a_negative_offset_is_a_value_error(storage):
    with pytest.raises(ValueError):
        storage.put_part(KEY, -1, b"x")


def cut_points(size: int, chunk: int) -> list[int]:
    boundaries = range(0, size + 1, chunk)
    middles = range(chunk // 2, size, chunk)
    edges = [1, chunk - 1, chunk + 1, size - 1, size]
    return sorted(set(boundaries) | set(middles) | set(edges))


@pytest.mark.parametrize("cut", cut_points(len(DATA), 1024))
def test_resuming_from_any_point_gives_identical_bytes(storage, cut):
    key = key_for(f"resume {cut}")
    # The first connection got `cut` bytes in (its last chunk perhaps only partly) and dropped.
    upload(storage, key, DATA[:cut], chunk=1024)
    # A new connection retries the chunk it believes comes next, learns the real
    # offset from the refusal, and carries on with a different chunk size.
    next_boundary = (cut // 1024 + 1) * 1024 if cut % 1024 else cut + 1024
    if cut < len(DATA):
        with pytest.raises(OffsetMismatch) as raised:
            storage.put_part(key, next_boundary, DATA[next_boundary:next_boundary + 1024])
        assert raised.value.current_size == cut
    assert storage.part_size(key) == cut
    upload(storage, key, DATA, chunk=700, start=cut)
    storage.assemble(key, key)
    with storage.open(key) as stored:
        assert stored.read() == DATA


def test_discarding_a_part_forgets_it(storage, tmp_path):
    storage.put_part(KEY, 0, DATA)
    storage.discard_part(KEY)
    storage.discard_part(KEY)  # idempotent
    assert storage.part_size(KEY) == 0
    with pytest.raises(FileNotFoundError):
        storage.read_part(KEY)
    assert files_under(tmp_path) == []  # the lock file is gone too


def test_asking_about_an_unknown_upload_leaves_nothing_behind(storage, tmp_path):
    assert storage.part_size(KEY) == 0
    assert files_under(tmp_path) == []


def test_a_failed_append_is_rolled_back_so_the_offset_stays_true(storage, monkeypatch):
    storage.put_part(KEY, 0, DATA[:1000])

    def disk_full(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError):
        storage.put_part(KEY, 1000, DATA[1000:2000])
    monkeypatch.undo()
    assert storage.part_size(KEY) == 1000
    assert storage.put_part(KEY, 1000, DATA[1000:]) == len(DATA)


# --- assemble ------------------------------------------------------------------------


def test_nothing_is_visible_under_the_name_until_assemble(storage, tmp_path):
    storage.put_part(KEY, 0, DATA[:5000])
    assert not storage.exists(NAME)
    storage.put_part(KEY, 5000, DATA[5000:])
    assert not storage.exists(NAME)
    storage.assemble(KEY, NAME)
    assert storage.exists(NAME)
    assert storage.size(NAME) == len(DATA)
    assert storage.part_size(KEY) == 0
    assert files_under(tmp_path / "photos") == [f"objects/{NAME[:2]}/{NAME}"]


def test_assemble_without_an_upload_raises(storage):
    with pytest.raises(FileNotFoundError):
        storage.assemble(KEY, NAME)
    assert not storage.exists(NAME)


def test_a_crash_during_assemble_leaves_no_object_and_the_part_intact(storage, monkeypatch):
    storage.put_part(KEY, 0, DATA)

    def crash(source, target):
        raise OSError("simulated crash")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        storage.assemble(KEY, NAME)
    monkeypatch.undo()
    assert not storage.exists(NAME)
    assert storage.part_size(KEY) == len(DATA)
    storage.assemble(KEY, NAME)
    with storage.open(NAME) as stored:
        assert stored.read() == DATA


# --- objects ---------------------------------------------------------------------------


def test_put_exists_open_size_delete(storage):
    thumb = KEY + ".thumb.jpg"
    assert not storage.exists(thumb)
    storage.put(thumb, b"first")
    storage.put(thumb, b"second version")  # replaces
    assert storage.exists(thumb)
    assert storage.size(thumb) == len(b"second version")
    with storage.open(thumb) as stored:
        assert stored.read() == b"second version"
    storage.delete(thumb)
    storage.delete(thumb)  # idempotent, like S3
    assert not storage.exists(thumb)
    with pytest.raises(FileNotFoundError):
        storage.open(thumb)
    with pytest.raises(FileNotFoundError):
        storage.size(thumb)


def test_objects_fan_out_by_their_first_two_hex_digits(storage, tmp_path):
    storage.put(NAME, b"x")
    assert (tmp_path / "photos" / "objects" / NAME[:2] / NAME).read_bytes() == b"x"


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_crash_while_writing_an_object_leaves_no_object_and_no_temporary_file(storage, tmp_path, monkeypatch,
                                                                                failing):
    def crash(*args):
        raise OSError("simulated crash")

    monkeypatch.setattr(os, failing, crash)
    with pytest.raises(OSError, match="simulated crash"):
        storage.put(NAME, DATA)
    monkeypatch.undo()
    assert not storage.exists(NAME)
    assert files_under(tmp_path) == []


def test_an_object_being_replaced_is_always_whole(storage, monkeypatch):
    storage.put(NAME, b"old")
    real_fsync = os.fsync
    seen_during_write = []

    def fsync_and_look(descriptor):
        # The new bytes are written but not yet renamed into place: readers still get the old object.
        with storage.open(NAME) as current:
            seen_during_write.append(current.read())
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync_and_look)
    storage.put(NAME, b"new and longer")
    monkeypatch.undo()
    assert seen_during_write[0] == b"old"
    with storage.open(NAME) as current:
        assert current.read() == b"new and longer"


# --- names ---------------------------------------------------------------------------

BAD_NAMES = [
    "",
    "../x",
    "../" + KEY,
    KEY + "/../../etc/passwd",
    "/" + KEY,
    KEY.upper(),
    KEY[:63],
    KEY + "0",
    KEY[:-1] + "g",
    KEY + ".",
    KEY + "..thumb",
    KEY + "/thumb",
    KEY + "\\thumb",
    "." + KEY,
    KEY + ".Thumb",
    KEY + ".thumb.jpg\n",
    KEY + ".a.b.c.d",
    KEY + ".abcdefghijklmnopq",  # a 17-character label
    KEY + "\x00.jpg",
    KEY + ".jpg ",
    " " + KEY,
]
GOOD_NAMES = [KEY, KEY + ".orig", KEY + ".thumb.jpg", KEY + ".display.jpg", KEY + ".orig.png"]


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_good_names(name):
    assert validate_name(name) == name


@pytest.mark.parametrize("name", BAD_NAMES + [None, 42])
def test_bad_names_are_rejected_by_the_rule(name):
    with pytest.raises(ValueError):
        validate_name(name)


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_names_are_rejected_by_every_method_and_touch_nothing(storage, tmp_path, name):
    calls = [
        lambda: storage.put_part(name, 0, b"x"),
        lambda: storage.part_size(name),
        lambda: storage.read_part(name),
        lambda: storage.discard_part(name),
        lambda: storage.assemble(name, NAME),
        lambda: storage.assemble(KEY, name),
        lambda: storage.put(name, b"x"),
        lambda: storage.exists(name),
        lambda: storage.open(name),
        lambda: storage.size(name),
        lambda: storage.delete(name),
    ]
    for call in calls:
        with pytest.raises(ValueError):
            call()
    assert files_under(tmp_path) == []


# --- concurrency ---------------------------------------------------------------------


class SlowAfterSeek:
    """A file whose seek (how put_part learns the current size) pauses before returning."""

    def __init__(self, file):
        self._file = file

    def seek(self, *args):
        position = self._file.seek(*args)
        time.sleep(0.05)
        return position

    def __getattr__(self, name):
        return getattr(self._file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._file.close()


def test_two_chunks_for_the_same_offset_cannot_both_land(storage, monkeypatch):
    # Widen the window between "check the size" and "append": without the per-key
    # lock both requests would see size 0 and both be accepted.
    storage.put_part(KEY, 0, DATA[:1000])
    monkeypatch.setattr(storage_module, "open", lambda *args: SlowAfterSeek(open(*args)), raising=False)
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def send():
        start.wait()
        try:
            outcomes.append(storage.put_part(KEY, 1000, DATA[1000:2000]))
        except OffsetMismatch as refused:
            outcomes.append(refused)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    successes = [outcome for outcome in outcomes if outcome == 2000]
    refusals = [outcome for outcome in outcomes if isinstance(outcome, OffsetMismatch)]
    assert len(successes) == 1 and len(refusals) == 1
    assert refusals[0].current_size == 2000
    monkeypatch.undo()
    assert storage.part_size(KEY) == 2000
    with storage.read_part(KEY) as part:
        assert part.read() == DATA[:2000]


def race_to_upload(root: str, key: str, data: bytes, chunk: int, start) -> None:
    """One client uploading with the resume protocol: ask the size, send from there, follow refusals."""
    storage = LocalDiskStorage(root)
    start.wait()
    offset = storage.part_size(key)
    while offset < len(data):
        try:
            offset = storage.put_part(key, offset, data[offset:offset + chunk])
        except OffsetMismatch as refused:
            offset = refused.current_size


def test_two_threads_uploading_the_same_key_end_with_one_correct_file(storage):
    start = threading.Barrier(2)
    threads = [threading.Thread(target=race_to_upload, args=(str(storage.root), KEY, DATA, chunk, start))
               for chunk in (100, 333)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    storage.assemble(KEY, NAME)
    with storage.open(NAME) as stored:
        assert stored.read() == DATA


def test_two_processes_uploading_the_same_key_end_with_one_correct_file(storage):
    context = multiprocessing.get_context("fork")
    start = context.Barrier(2)
    processes = [context.Process(target=race_to_upload, args=(str(storage.root), KEY, DATA, chunk, start))
                 for chunk in (100, 333)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [process.exitcode for process in processes] == [0, 0]
    storage.assemble(KEY, NAME)
    with storage.open(NAME) as stored:
        assert stored.read() == DATA


def test_a_waiter_on_a_removed_lock_file_waits_for_the_current_holder(storage):
    # assemble and discard_part remove the lock file while holding it. Someone who
    # was waiting on the removed file must not think it holds the lock while
    # another request holds the lock on the file now at that path.
    written = threading.Event()

    def send():
        storage.put_part(KEY, 0, b"late")
        written.set()

    old_lock = storage._key_lock(KEY)
    old_lock.__enter__()
    waiter = threading.Thread(target=send)
    waiter.start()
    time.sleep(0.2)  # let the waiter block on the current lock file
    storage._remove_lock_file(KEY)
    new_lock = storage._key_lock(KEY)
    new_lock.__enter__()  # another request holds the lock on the new file at the same path
    old_lock.__exit__(None, None, None)  # the waiter wakes up holding a lock on the removed file...
    time.sleep(0.2)
    assert not written.is_set()  # ...notices, and waits for the new file's holder
    assert not storage._part_path(KEY).exists()
    new_lock.__exit__(None, None, None)
    waiter.join(timeout=5)
    assert written.is_set()
    assert storage.part_size(KEY) == 4
