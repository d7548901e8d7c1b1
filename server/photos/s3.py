"""PhotoStorage on an S3-compatible object store (AWS S3, MinIO, SeaweedFS, ...).

Layout under ``prefix`` in ``bucket``::

    <prefix>parts/<key>/<offset, 20 digits>   one object per chunk received, named by its byte offset
    <prefix>objects/<name>                    finished objects, with their content type

Why chunks are objects of their own. Phones send chunks of at most 1 MiB, while
S3 wants every multipart part but the last to be at least 5 MiB, and an
unfinished multipart upload can be neither read nor resumed by another process.
So each chunk is written as a small object under the upload's ``parts/<key>/``
prefix, where every app server worker (on any host) sees it: nothing about an
upload lives in one worker's memory. The bytes held are the length of the chain
of chunks starting at offset 0, each one starting where the previous one ends.

Why no lock is needed. A chunk is written with ``If-None-Match: *``, so two
requests carrying a chunk for the same offset (a retry racing the original)
cannot both write it: the second gets 412 and answers OffsetMismatch with the
size now held, just as the local backend's flock makes the second one see the
first one's append. A chunk therefore never overwrites another, and the chain
cannot fork.

``assemble`` publishes a part with ``CompleteMultipartUpload``, which S3 makes
visible atomically under the object's name. Its parts are gathered from the
chunks into pieces of at least ``MIN_PART_SIZE`` (5 MiB; only the last may be
shorter), so at most one piece is in memory at a time. ``read_part`` and
``open`` stream: nothing reads an object whole into memory on their behalf.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from botocore.exceptions import ClientError

from .storage import OffsetMismatch, validate_name

# S3's smallest multipart part, except the last.
MIN_PART_SIZE = 5 * 1024 * 1024
_STREAM_BUFFER = 64 * 1024
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
_PRECONDITION_FAILED = {"412", "PreconditionFailed", "ConditionalRequestConflict", "409"}


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class S3Storage:
    """PhotoStorage on an S3 bucket through a boto3 client (layout in the module docstring)."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def from_settings(cls, bucket: str, prefix: str = "", endpoint_url: str | None = None, region: str | None = None,
                      access_key_id: str | None = None, secret_access_key: str | None = None,
                      addressing_style: str = "auto") -> S3Storage:
        """A storage with its own boto3 client. Credentials left out come from boto3's usual chain
        (AWS_* variables, the shared credentials file, an instance or task role)."""
        import boto3
        from botocore.config import Config

        config = Config(connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"},
                        s3={"addressing_style": addressing_style},
                        # Checksums only when S3 requires them: S3-compatible stores do not all know the new ones.
                        request_checksum_calculation="when_required", response_checksum_validation="when_required")
        client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None,
            aws_access_key_id=access_key_id or None, aws_secret_access_key=secret_access_key or None, config=config)
        return cls(client, bucket, prefix)

    # --- uploads in progress ---------------------------------------------------------

    def put_part(self, key: str, offset: int, data: bytes) -> int:
        if offset < 0:
            raise ValueError(f"offset must not be negative, got {offset}")
        held, chain, strays = self._scan(key)
        if offset != held:
            raise OffsetMismatch(held)
        if not data:
            return held
        if held == 0 and strays:
            # Chunks without a chunk at 0 are leftovers of a discarded upload: they must never join this one.
            self._delete_keys(strays)
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._chunk_key(key, offset), Body=data, IfNoneMatch="*")
        except ClientError as error:
            if _error_code(error) not in _PRECONDITION_FAILED:
                raise
            # Another request wrote this offset first: the client resumes from what is held now.
            raise OffsetMismatch(self._scan(key)[0]) from None
        return held + len(data)

    def part_size(self, key: str) -> int:
        return self._scan(key)[0]

    def read_part(self, key: str) -> BinaryIO:
        _held, chain, _strays = self._scan(key)
        if not chain:
            raise FileNotFoundError(f"no upload in progress for {key}")
        return io.BufferedReader(_ChainReader(self._open_body, chain), _STREAM_BUFFER)

    def discard_part(self, key: str) -> None:
        self._delete_keys([object_key for object_key, _size in self._chunks(key)])

    def assemble(self, key: str, name: str) -> None:
        target = self._object_key(name)
        _held, chain, _strays = self._scan(key)
        if not chain:
            raise FileNotFoundError(f"no upload in progress for {key}")
        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=target)["UploadId"]
        try:
            parts = []
            for number, piece in enumerate(self._pieces(chain), start=1):
                answer = self.client.upload_part(Bucket=self.bucket, Key=target, UploadId=upload_id,
                                                 PartNumber=number, Body=piece)
                parts.append({"PartNumber": number, "ETag": answer["ETag"]})
            self.client.complete_multipart_upload(Bucket=self.bucket, Key=target, UploadId=upload_id,
                                                  MultipartUpload={"Parts": parts})
        except BaseException:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=target, UploadId=upload_id)
            raise
        self.discard_part(key)

    def _pieces(self, chain: list[tuple[str, int]]) -> Iterator[bytes]:
        """The chunks' bytes regrouped into pieces of at least MIN_PART_SIZE (the last one may be shorter)."""
        piece = bytearray()
        for object_key, _size in chain:
            with self._open_body(object_key, 0) as body:
                while block := body.read(_STREAM_BUFFER):
                    piece += block
            if len(piece) >= MIN_PART_SIZE:
                yield bytes(piece)
                piece.clear()
        if piece:
            yield bytes(piece)

    # --- finished objects ------------------------------------------------------------

    def put(self, name: str, data: bytes, content_type: str | None = None) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._object_key(name), Body=data,
                               ContentType=content_type or "application/octet-stream")

    def exists(self, name: str) -> bool:
        try:
            self._head(name)
        except FileNotFoundError:
            return False
        return True

    def open(self, name: str) -> BinaryIO:
        object_key = self._object_key(name)
        body, size = self._get(object_key, 0)
        return io.BufferedReader(_ObjectReader(lambda start: self._get(object_key, start)[0], body, size),
                                 _STREAM_BUFFER)

    def size(self, name: str) -> int:
        return int(self._head(name)["ContentLength"])

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._object_key(name))

    def presigned_url(self, name: str, expires_in: int) -> str:
        """A URL that lets whoever holds it GET the object ``name`` for ``expires_in`` seconds."""
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._object_key(name)}, ExpiresIn=expires_in)

    def check(self) -> None:
        """Raise if the bucket cannot be reached with these credentials (for /health)."""
        self.client.head_bucket(Bucket=self.bucket)

    # --- keys, listings and bodies -------------------------------------------------------

    def _object_key(self, name: str) -> str:
        return f"{self.prefix}objects/{validate_name(name)}"

    def _parts_prefix(self, key: str) -> str:
        return f"{self.prefix}parts/{validate_name(key)}/"

    def _chunk_key(self, key: str, offset: int) -> str:
        return f"{self._parts_prefix(key)}{offset:020d}"

    def _chunks(self, key: str) -> list[tuple[str, int]]:
        """Every chunk object of the upload ``key``: (object key, size)."""
        found = []
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self._parts_prefix(key))
        for page in pages:
            found += [(item["Key"], int(item["Size"])) for item in page.get("Contents", [])]
        return found

    def _scan(self, key: str) -> tuple[int, list[tuple[str, int]], list[str]]:
        """(bytes held, the chain of chunks from offset 0 in order, chunks off the chain)."""
        by_offset = {}
        for object_key, size in self._chunks(key):
            offset = object_key.rsplit("/", 1)[1]
            if offset.isdigit() and size > 0:
                by_offset[int(offset)] = (object_key, size)
        held, chain = 0, []
        while held in by_offset:
            chain.append(by_offset.pop(held))
            held += chain[-1][1]
        return held, chain, [object_key for object_key, _size in by_offset.values()]

    def _delete_keys(self, object_keys: list[str]) -> None:
        for start in range(0, len(object_keys), 1000):  # DeleteObjects takes at most 1000 keys
            batch = [{"Key": object_key} for object_key in object_keys[start:start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    def _head(self, name: str) -> dict:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._object_key(name))
        except ClientError as error:
            if _error_code(error) in _NOT_FOUND:
                raise FileNotFoundError(f"no photo object {name}") from None
            raise

    def _get(self, object_key: str, start: int) -> tuple[Any, int]:
        """(streaming body from byte ``start``, the object's whole size)."""
        arguments = {"Range": f"bytes={start}-"} if start else {}
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=object_key, **arguments)
        except ClientError as error:
            if _error_code(error) in _NOT_FOUND:
                raise FileNotFoundError(f"no object {object_key}") from None
            raise
        size = int(answer["ContentRange"].rsplit("/", 1)[1]) if start else int(answer["ContentLength"])
        return answer["Body"], size

    def _open_body(self, object_key: str, start: int):
        return self._get(object_key, start)[0]


class _ObjectReader(io.RawIOBase):
    """One object as a seekable stream: reads from the open body, and a seek starts a ranged GET."""

    def __init__(self, reopen: Callable[[int], Any], body: Any, size: int) -> None:
        super().__init__()
        self._reopen = reopen
        self._body = body
        self._size = size
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._body.read(len(buffer))
        buffer[:len(data)] = data
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence] + offset
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        if target != self._position:
            self._body.close()
            self._body = self._reopen(target) if target < self._size else io.BytesIO()
            self._position = target
        return target

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class _ChainReader(io.RawIOBase):
    """The chunks of an upload read one after another as one stream, each opened only when reached."""

    def __init__(self, open_body: Callable[[str, int], Any], chain: list[tuple[str, int]]) -> None:
        super().__init__()
        self._open_body = open_body
        self._pending = [object_key for object_key, _size in chain]
        self._body = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while True:
            if self._body is None:
                if not self._pending:
                    return 0
                self._body = self._open_body(self._pending.pop(0), 0)
            data = self._body.read(len(buffer))
            if data:
                buffer[:len(data)] = data
                return len(data)
            self._body.close()
            self._body = None

    def close(self) -> None:
        if not self.closed and self._body is not None:
            self._body.close()
        super().close()
