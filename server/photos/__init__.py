"""Defect photos: resumable storage of uploads and the Pillow pipeline that cleans them.

Pure Python on purpose (no Flask): the upload endpoints, the sync code, the
tests and bench/photo_bench.py all use it directly.

* ``storage``: the ``PhotoStorage`` interface (resumable uploads by key,
  immutable objects by name) and ``LocalDiskStorage``.
* ``s3``: ``S3Storage``, the same interface on an S3-compatible bucket.
* ``pipeline``: ``process_photo`` checks an upload (size, format, decompression
  bombs, corruption), applies its EXIF orientation, strips all metadata but the
  ICC profile, and makes the cleaned original, a display copy and a thumbnail.
"""

from .pipeline import (
    MEDIA_TYPES,
    SUPPORTED_FORMATS,
    PhotoLimits,
    PhotoRejected,
    ProcessedPhoto,
    RejectionCode,
    process_photo,
)
from .s3 import S3Storage
from .storage import LocalDiskStorage, OffsetMismatch, PhotoStorage, validate_name

__all__ = [
    "MEDIA_TYPES",
    "SUPPORTED_FORMATS",
    "LocalDiskStorage",
    "OffsetMismatch",
    "PhotoLimits",
    "PhotoRejected",
    "PhotoStorage",
    "ProcessedPhoto",
    "RejectionCode",
    "S3Storage",
    "process_photo",
    "validate_name",
]
