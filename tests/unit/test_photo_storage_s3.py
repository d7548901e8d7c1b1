"""S3Storage against a real S3-compatible server (SeaweedFS, started by the session: tests/s3server.py).

The same contract as LocalDiskStorage (tests/unit/test_photo_storage.py): resumable parts with the
backend as the authority on the offset, atomic objects, names by the one rule; plus what only S3 has:
chunks staged as objects any worker sees, multipart parts of at least 5 MiB, content types, streaming
reads and presigned URLs.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import threading
import urllib.request

import pytest
from botocore.exceptions import ClientError

from server.photos import OffsetMismatch, PhotoStorage, S3Storage
from server.photos.s3 import MIN_PART_SIZE

_prefixes = itertools.count()


def key_for(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


KEY = key_for("upload")
NAME = KEY + ".orig"
DATA = bytes(range(256)) * 40  # 10 240 bytes


def _make(s3_server, prefix: str) -> S3Storage:
    settings = s3_server.settings(s3_server.bucket, prefix)
    return S3Storage.from_settings(bucket=settings["S3_BUCKET"], prefix=prefix, endpoint_url=settings["S3_ENDPOINT_URL"],
                                   region=settings["S3_REGION"], access_key_id=settings["S3_ACCESS_KEY_ID"],
                                   secret_access_key=settings["S3_SECRET_ACCESS_KEY"], addressing_style="path")


@pytest.fixture
def storage(s3_server) -> S3Storage:
    """A storage under a prefix of its own in the session's bucket."""
    return _make(s3_server, f"unit-{next(_prefixes)}/")


def keys_under(storage: S3Storage) -> list[str]:
    listed = storage.client.list_objects_v2(Bucket=storage.bucket, Prefix=storage.prefix).get("Contents", [])
    return sorted(item["Key"].removeprefix(storage.prefix) for item in listed)


def upload(storage: S3Storage, key: str, data: bytes, chunk: int, start: int = 0) -> None:
    offset = start
    while offset < len(data):
        offset = storage.put_part(key, offset, data[offset:offset + chunk])


def test_it_implements_the_interface(storage):
    assert isinstance(storage, PhotoStorage)
    storage.check()


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


def test_a_first_chunk_not_at_zero_is_refused_and_creates_nothing(storage):
    with pytest.raises(OffsetMismatch) as raised:
        storage.put_part(KEY, 10, DATA[10:20])
    assert raised.value.current_size == 0
    assert keys_under(storage) == []


def test_a_negative_offset_is_a_value_error(storage):
    with pytest.raises(ValueError):
        storage.put_part(KEY, -1, b"x")


@pytest.mark.parametrize("cut", [1, 1023, 1024, 1500, 5000, len(DATA) - 1])
def test_resuming_from_any_point_gives_identical_bytes(storage, cut):
    key = key_for(f"resume {cut}")
    upload(storage, key, DATA[:cut], chunk=1024)
    # Another worker (another storage object, nothing shared but the bucket) takes the upload over.
    other_worker = S3Storage(storage.client, storage.bucket, storage.prefix)
    next_boundary = (cut // 1024 + 1) * 1024 if cut % 1024 else cut + 1024
    with pytest.raises(OffsetMismatch) as raised:
        other_worker.put_part(key, next_boundary, DATA[next_boundary:next_boundary + 1024])
    assert raised.value.current_size == cut
    upload(other_worker, key, DATA, chunk=700, start=cut)
    other_worker.assemble(key, key)
    with storage.open(key) as stored:
        assert stored.read() == DATA


def test_discarding_a_part_forgets_it(storage):
    storage.put_part(KEY, 0, DATA[:5000])
    storage.put_part(KEY, 5000, DATA[5000:])
    storage.discard_part(KEY)
    storage.discard_part(KEY)  # idempotent
    assert storage.part_size(KEY) == 0
    with pytest.raises(FileNotFoundError):
        storage.read_part(KEY)
    assert keys_under(storage) == []


def test_leftover_chunks_of_a_discarded_upload_never_join_a_new_one(storage):
    """A chunk that landed while its upload was being discarded is off the chain: a new upload starting at 0
    clears it, so it cannot be taken for the new upload's bytes even where the offsets line up."""
    storage.client.put_object(Bucket=storage.bucket, Key=storage._chunk_key(KEY, 1000), Body=b"stale" * 10)
    assert storage.part_size(KEY) == 0
    storage.put_part(KEY, 0, DATA[:1000])
    assert storage.part_size(KEY) == 1000
    assert storage.put_part(KEY, 1000, DATA[1000:]) == len(DATA)
    with storage.read_part(KEY) as part:
        assert part.read() == DATA


def test_two_chunks_for_the_same_offset_cannot_both_land(storage):
    """Two requests that both saw 1000 bytes held race to write the chunk at 1000: exactly one lands."""
    storage.put_part(KEY, 0, DATA[:1000])
    barrier = threading.Barrier(2)
    results, lock = [], threading.Lock()
    original_scan = storage._scan

    def send(size):
        worker = S3Storage(storage.client, storage.bucket, storage.prefix)
        first_scan = [True]

        def scan_then_wait(key):
            found = original_scan(key)
            if first_scan.pop() if first_scan else False:
                barrier.wait(timeout=30)  # both have scanned before either writes
            return found

        worker._scan = scan_then_wait
        try:
            outcome = worker.put_part(KEY, 1000, DATA[1000:1000 + size])
        except OffsetMismatch as mismatch:
            outcome = ("mismatch", mismatch.current_size)
        with lock:
            results.append((size, outcome))

    threads = [threading.Thread(target=send, args=(size,)) for size in (100, 300)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [(size, outcome) for size, outcome in results if not isinstance(outcome, tuple)]
    losers = [outcome for _size, outcome in results if isinstance(outcome, tuple)]
    assert len(winners) == 1 and len(losers) == 1, results
    (size, held), = winners
    assert held == 1000 + size and losers == [("mismatch", 1000 + size)]
    assert storage.part_size(KEY) == 1000 + size


def test_two_threads_uploading_the_same_key_end_with_one_correct_file(storage):
    def run():
        worker = S3Storage(storage.client, storage.bucket, storage.prefix)
        offset = 0
        while offset < len(DATA):
            try:
                offset = worker.put_part(KEY, offset, DATA[offset:offset + 512])
            except OffsetMismatch as mismatch:
                offset = mismatch.current_size

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    storage.assemble(KEY, NAME)
    with storage.open(NAME) as stored:
        assert stored.read() == DATA


# --- assemble ------------------------------------------------------------------------


def test_nothing_is_visible_under_the_name_until_assemble(storage):
    storage.put_part(KEY, 0, DATA[:5000])
    assert not storage.exists(NAME)
    storage.put_part(KEY, 5000, DATA[5000:])
    assert not storage.exists(NAME)
    storage.assemble(KEY, NAME)
    assert storage.exists(NAME) and storage.size(NAME) == len(DATA)
    assert storage.part_size(KEY) == 0
    assert keys_under(storage) == [f"objects/{NAME}"]


def test_assemble_without_an_upload_raises(storage):
    with pytest.raises(FileNotFoundError):
        storage.assemble(KEY, NAME)
    assert not storage.exists(NAME)


def test_assemble_sends_multipart_parts_of_at_least_5_mib(storage):
    """1 MiB chunks (what phones send at most) become parts of at least 5 MiB; only the last is shorter."""
    seed = 20261201
    print(f"seed {seed}")
    data = random.Random(seed).randbytes(12 * 1024 * 1024 + 12345)
    upload(storage, KEY, data, chunk=1024 * 1024)
    sent = []
    original_upload_part = storage.client.upload_part

    def counting_upload_part(**arguments):
        sent.append(len(arguments["Body"]))
        return original_upload_part(**arguments)

    storage.client.upload_part = counting_upload_part
    try:
        storage.assemble(KEY, NAME)
    finally:
        del storage.client.upload_part
    assert sum(sent) == len(data) and len(sent) == 3
    assert all(size >= MIN_PART_SIZE for size in sent[:-1])
    assert storage.size(NAME) == len(data)
    with storage.open(NAME) as stored:
        assert hashlib.sha256(stored.read()).digest() == hashlib.sha256(data).digest()
    assert keys_under(storage) == [f"objects/{NAME}"]


def test_a_failed_assemble_leaves_no_object_and_the_part_intact(storage):
    storage.put_part(KEY, 0, DATA)
    original_complete = storage.client.complete_multipart_upload

    def crash(**_arguments):
        raise ConnectionError("the network went away")

    storage.client.complete_multipart_upload = crash
    try:
        with pytest.raises(ConnectionError):
            storage.assemble(KEY, NAME)
    finally:
        storage.client.complete_multipart_upload = original_complete
    assert not storage.exists(NAME)
    assert storage.client.list_multipart_uploads(Bucket=storage.bucket, Prefix=storage.prefix).get("Uploads", []) == []
    assert storage.part_size(KEY) == len(DATA)
    storage.assemble(KEY, NAME)
    with storage.open(NAME) as stored:
        assert stored.read() == DATA


# --- finished objects ------------------------------------------------------------------


def test_put_exists_open_size_delete(storage):
    thumb = KEY + ".thumb.jpg"
    assert not storage.exists(thumb)
    storage.put(thumb, b"first", "image/jpeg")
    storage.put(thumb, b"second version", "image/jpeg")  # replaces
    assert storage.exists(thumb) and storage.size(thumb) == len(b"second version")
    with storage.open(thumb) as stored:
        assert stored.read() == b"second version"
    storage.delete(thumb)
    storage.delete(thumb)  # idempotent
    assert not storage.exists(thumb)
    with pytest.raises(FileNotFoundError):
        storage.open(thumb)
    with pytest.raises(FileNotFoundError):
        storage.size(thumb)


def test_objects_keep_their_content_type(storage):
    storage.put(KEY + ".display.jpg", b"\xff\xd8jpeg", "image/jpeg")
    storage.put(NAME, b"\x89PNGpng", "image/png")
    head = storage.client.head_object
    assert head(Bucket=storage.bucket, Key=storage._object_key(KEY + ".display.jpg"))["ContentType"] == "image/jpeg"
    assert head(Bucket=storage.bucket, Key=storage._object_key(NAME))["ContentType"] == "image/png"


def test_open_streams_and_seeks_with_ranged_reads(storage):
    data = random.Random(7).randbytes(300_000)
    storage.put(NAME, data, "image/png")
    with storage.open(NAME) as stored:
        assert stored.read(12) == data[:12]
        stored.seek(0)  # what the photo view does after sniffing the format
        assert stored.read(100) == data[:100]
        stored.seek(250_000)  # past the buffer: a new ranged GET
        assert stored.read() == data[250_000:]
        stored.seek(len(data) + 5)
        assert stored.read() == b""


def test_a_presigned_url_serves_the_object_without_credentials(storage):
    storage.put(NAME, DATA, "image/webp")
    with urllib.request.urlopen(storage.presigned_url(NAME, 60), timeout=30) as answer:
        assert answer.read() == DATA and answer.headers["Content-Type"] == "image/webp"


def test_storages_under_different_prefixes_do_not_see_each_other(storage, s3_server):
    neighbour = _make(s3_server, storage.prefix.rstrip("/") + "-neighbour/")
    storage.put(NAME, b"mine", "image/jpeg")
    storage.put_part(KEY, 0, DATA[:100])
    assert not neighbour.exists(NAME) and neighbour.part_size(KEY) == 0


@pytest.mark.parametrize("name", ["../x", KEY + "/x", KEY.upper(), KEY + ".", "a" * 63])
def test_bad_names_are_rejected_by_every_method_and_touch_nothing(storage, name):
    for call in (lambda: storage.put_part(name, 0, b"x"), lambda: storage.part_size(name),
                 lambda: storage.read_part(name), lambda: storage.discard_part(name),
                 lambda: storage.assemble(KEY, name), lambda: storage.put(name, b"x"),
                 lambda: storage.exists(name), lambda: storage.open(name), lambda: storage.size(name),
                 lambda: storage.delete(name)):
        with pytest.raises(ValueError):
            call()
    assert keys_under(storage) == []


def test_check_fails_for_a_missing_bucket(s3_server):
    missing = S3Storage(_make(s3_server, "").client, "no-such-bucket-here")
    with pytest.raises(ClientError) as refused:
        missing.check()
    assert refused.value.response["Error"]["Code"] in ("404", "NoSuchBucket")
