"""Where photo bytes live: a small storage interface and its local-disk backend.

Two kinds of thing are stored:

* **parts**: an upload in progress, addressed by a *key*. The client sends it in
  chunks, each at an explicit byte offset, and may resume after a dropped
  connection by asking how many bytes are held (``part_size``) and continuing
  from there. Once every byte is in, the caller reads the part back to verify it
  (``read_part``) and then either publishes it (``assemble``) or drops it
  (``discard_part``).
* **objects**: finished, immutable files addressed by a *name*: the cleaned
  original and the derived display and thumbnail images (``put``).

Keys and names follow one rule (``validate_name``): 64 lowercase hex digits (a
SHA-256 digest) optionally followed by up to three suffix labels of 1-16
lowercase letters or digits, each after a dot: ``<digest>``, ``<digest>.orig``,
``<digest>.thumb.jpg``, ``<digest>.display.jpg``. No slash, no backslash, no
empty label and no leading dot can get through, so a name can never climb out of
its directory or collide with the backend's own temporary and lock files.

Note that a part holds exactly the bytes the client sent, GPS and all. The
intended flow for a photo is: verify the part, run it through
``server.photos.pipeline.process_photo``, ``put`` the cleaned original and the
derivatives, then ``discard_part``. ``assemble`` is for uploads that are stored
as sent.

Layout of ``LocalDiskStorage(root)``::

    root/parts/<key>.part                 bytes received so far
    root/parts/<key>.lock                 flock'ed while a request works on <key>
    root/objects/<name[:2]>/<name>        finished objects, 256 fan-out directories

Every object appears under its name in one ``os.replace`` of a fully written and
fsync'ed file, so a reader sees either no file or the whole file, and a crash
leaves at most a temporary file whose name starts with a dot (never a valid
name). ``parts/`` and ``objects/`` must be on the same filesystem (they are,
unless someone mounts over one of them) because ``assemble`` is a rename.

The S3 backend (``server.photos.s3.S3Storage``) stages chunks as objects of
their own rather than in the buffered multipart design sketched below (its
module docstring says why), but keeps the same interface. The interface deliberately speaks in absolute
offsets with the backend as the authority on how much it holds, which is what
lets S3 multipart uploads sit behind it. S3 requires every part but the last to
be at least 5 MiB, while phone clients send smaller chunks over poor networks,
so an ``S3Storage`` would buffer: ``put_part`` appends the chunk to a small
per-key "tail" (a local spool file or an ``uploads/<key>.tail`` object) and,
whenever the tail reaches 5 MiB, sends it as the next ``UploadPart`` (or
``UploadPartCopy`` from the tail object, staying server-side) and empties it;
``part_size`` is the sum of the uploaded parts (``ListParts``) plus the tail.
The offset check still needs a per-key lock, which would move from ``flock`` to
a database row lock or S3 conditional writes (``If-Match`` on the tail).
``assemble`` uploads the tail as the final, possibly short, part and calls
``CompleteMultipartUpload`` with the object's name as the key, which S3 makes
visible atomically; ``discard_part`` is ``AbortMultipartUpload``. S3 cannot read
an unfinished multipart upload, so ``read_part`` would complete it into a
staging key (``incoming/<key>``) and stream that, in which case ``assemble``
becomes a server-side ``CopyObject`` plus ``DeleteObject``; callers cannot tell,
because they only ever see ``read_part`` followed by ``assemble`` or
``discard_part``. ``put``/``open``/``exists``/``size``/``delete`` map one to one
onto ``PutObject``/``GetObject``/``HeadObject``/``DeleteObject``.

POSIX only: the per-key lock is ``fcntl.flock``.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

# A SHA-256 digest, then up to three ".label" suffixes. fullmatch (never `$`,
# which would also accept a trailing newline) is what keeps names inert.
_NAME_PATTERN = re.compile(r"[0-9a-f]{64}(?:\.[a-z0-9]{1,16}){0,3}")


class OffsetMismatch(Exception):
    """A chunk was sent for an offset other than the end of the bytes held.

    ``current_size`` is where the client has to continue from (a resumable
    upload answers this with the offset the server actually has).
    """

    def __init__(self, current_size: int) -> None:
        super().__init__(f"the upload in progress holds {current_size} bytes; send the chunk at that offset")
        self.current_size = current_size


def validate_name(name: str) -> str:
    """Return ``name`` if it is a valid key or object name, else raise ValueError."""
    if not isinstance(name, str) or _NAME_PATTERN.fullmatch(name) is None:
        raise ValueError(
            f"invalid photo storage name {name!r}: expected 64 lowercase hex digits, "
            "optionally followed by up to three '.label' suffixes of 1-16 lowercase letters or digits"
        )
    return name


@runtime_checkable
class PhotoStorage(Protocol):
    """Resumable uploads (parts, by key) and finished objects (by name). See the module docstring."""

    def put_part(self, key: str, offset: int, data: bytes) -> int:
        """Append ``data`` to the upload ``key`` at ``offset``, which must equal the bytes held.

        Returns the new size. Raises OffsetMismatch(current_size) otherwise.
        """

    def part_size(self, key: str) -> int:
        """Bytes held for the upload ``key``; 0 if there is none."""

    def read_part(self, key: str) -> BinaryIO:
        """Open the upload ``key`` for reading. Raises FileNotFoundError if there is none."""

    def discard_part(self, key: str) -> None:
        """Forget the upload ``key``; a no-op if there is none."""

    def assemble(self, key: str, name: str) -> None:
        """Publish the upload ``key`` as the object ``name`` atomically and forget the upload.

        Raises FileNotFoundError if there is no upload ``key``.
        """

    def put(self, name: str, data: bytes, content_type: str | None = None) -> None:
        """Store ``data`` as the object ``name`` atomically, replacing any previous one.

        ``content_type`` goes with the object where the backend keeps one (S3 serves it back).
        """

    def exists(self, name: str) -> bool:
        """Whether the object ``name`` exists."""

    def open(self, name: str) -> BinaryIO:
        """Open the object ``name`` for reading. Raises FileNotFoundError if it does not exist."""

    def size(self, name: str) -> int:
        """Size in bytes of the object ``name``. Raises FileNotFoundError if it does not exist."""

    def delete(self, name: str) -> None:
        """Delete the object ``name``; a no-op if it does not exist (like S3's DeleteObject)."""

    def check(self) -> None:
        """Raise OSError (or the backend's error) if the storage cannot be used now; for /health."""


class LocalDiskStorage:
    """PhotoStorage on a local filesystem under ``root`` (layout in the module docstring)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._parts = self.root / "parts"
        self._objects = self.root / "objects"
        self._parts.mkdir(parents=True, exist_ok=True)
        self._objects.mkdir(parents=True, exist_ok=True)

    # --- uploads in progress ---------------------------------------------------------

    def put_part(self, key: str, offset: int, data: bytes) -> int:
        part = self._part_path(key)
        if offset < 0:
            raise ValueError(f"offset must not be negative, got {offset}")
        with self._key_lock(key):
            # The size check and the append happen under one lock, so two requests
            # carrying the same chunk cannot both see the same size and both append.
            try:
                file = open(part, "r+b")
            except FileNotFoundError:
                if offset != 0:
                    self._remove_lock_file(key)  # no upload exists, so nothing should stay behind
                    raise OffsetMismatch(0) from None
                file = open(part, "x+b")
                _fsync_directory(self._parts)  # the new part must survive a crash, not just its bytes
            with file:
                current_size = file.seek(0, os.SEEK_END)
                if offset != current_size:
                    raise OffsetMismatch(current_size)
                try:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                except BaseException:
                    # A failed write (disk full, interrupted) must not leave a partial
                    # chunk behind: the size we report is what the client resumes from.
                    file.truncate(current_size)
                    raise
                return current_size + len(data)

    def part_size(self, key: str) -> int:
        part = self._part_path(key)
        if not part.exists():
            return 0  # no lock file gets created just to answer "nothing here"
        with self._key_lock(key):
            try:
                return part.stat().st_size
            except FileNotFoundError:  # discarded or assembled while we waited for the lock
                self._remove_lock_file(key)
                return 0

    def read_part(self, key: str) -> BinaryIO:
        return open(self._part_path(key), "rb")

    def discard_part(self, key: str) -> None:
        part = self._part_path(key)
        with self._key_lock(key):
            part.unlink(missing_ok=True)
            self._remove_lock_file(key)

    def assemble(self, key: str, name: str) -> None:
        part = self._part_path(key)
        target = self._object_path(name)
        with self._key_lock(key):
            if not part.exists():
                self._remove_lock_file(key)
                raise FileNotFoundError(errno.ENOENT, "no upload in progress", str(part))
            target.parent.mkdir(exist_ok=True)
            # Every put_part fsync'ed its bytes and nobody can append while we hold
            # the lock, so renaming the part is an atomic publish of a complete file.
            os.replace(part, target)
            _fsync_directory(target.parent)
            _fsync_directory(self._parts)
            self._remove_lock_file(key)

    # --- finished objects ------------------------------------------------------------

    def put(self, name: str, data: bytes, content_type: str | None = None) -> None:
        # A file has no content type: the photo view tells the formats apart by their first bytes.
        target = self._object_path(name)
        target.parent.mkdir(exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        _fsync_directory(target.parent)

    def exists(self, name: str) -> bool:
        return self._object_path(name).is_file()

    def open(self, name: str) -> BinaryIO:
        return open(self._object_path(name), "rb")

    def size(self, name: str) -> int:
        return self._object_path(name).stat().st_size

    def delete(self, name: str) -> None:
        self._object_path(name).unlink(missing_ok=True)

    def check(self) -> None:
        for folder in (self._parts, self._objects):
            if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
                raise OSError(errno.EACCES, "photo storage folder missing or not writable", str(folder))

    # --- paths and locks ---------------------------------------------------------------

    def _part_path(self, key: str) -> Path:
        return self._parts / f"{validate_name(key)}.part"

    def _lock_path(self, key: str) -> Path:
        return self._parts / f"{validate_name(key)}.lock"

    def _object_path(self, name: str) -> Path:
        return self._objects / validate_name(name)[:2] / name

    @contextmanager
    def _key_lock(self, key: str) -> Iterator[None]:
        """Hold an exclusive flock on the key's lock file (threads and processes alike).

        flock belongs to the open file description, so two threads of one process
        exclude each other too, as long as each opens the file itself (they do).
        """
        path = self._lock_path(key)
        while True:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
                # The previous holder may have removed the lock file (assemble,
                # discard_part) while we waited; a lock on that unlinked file would
                # exclude nobody who opens the path now, so start again on the new one.
                try:
                    on_disk = os.stat(path)
                except FileNotFoundError:
                    on_disk = None
                held = os.fstat(descriptor)
                if on_disk is not None and (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino):
                    break
            except BaseException:
                os.close(descriptor)
                raise
            os.close(descriptor)
        try:
            yield
        finally:
            os.close(descriptor)  # closing the descriptor releases the flock

    def _remove_lock_file(self, key: str) -> None:
        """Remove the key's lock file; only called while holding its lock (see _key_lock)."""
        self._lock_path(key).unlink(missing_ok=True)


def _fsync_directory(directory: Path) -> None:
    """Make a rename or a new entry in ``directory`` durable, where the platform allows it."""
    try:
        descriptor = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as error:
        if error.errno in (errno.EACCES, errno.EISDIR, errno.ENOTSUP):
            return  # opening a directory for fsync is not possible here
        raise
    try:
        os.fsync(descriptor)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise  # EINVAL & co: this filesystem does not fsync directories
    finally:
        os.close(descriptor)
