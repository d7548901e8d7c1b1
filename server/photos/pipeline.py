"""Photo pipeline: check an uploaded photo and make the images the server keeps.

Pure Python (Pillow, no Flask). ``process_photo`` takes the uploaded bytes (or a
binary file) and returns the cleaned original plus a display copy and a
thumbnail, or raises ``PhotoRejected`` with one of five codes. In order:

1. Size. More than ``max_bytes`` is ``too_large`` before anything is decoded; a
   file object is read no further than ``max_bytes + 1`` bytes.
2. Format, from the first bytes. JPEG, PNG and WebP go on, each to its own
   Pillow decoder, so no other Pillow plugin ever parses an upload. Other image
   formats we recognise (GIF, BMP, TIFF, HEIC/AVIF, JPEG 2000, JPEG XL, PSD,
   SVG) are ``unsupported_format``; anything else is ``not_an_image``. A JPEG,
   PNG or WebP signature whose header Pillow cannot parse is ``corrupt_image``.
   Animated PNG/WebP is ``unsupported_format`` too: a defect photo is one frame.
3. Pixels, from the header. ``width * height > max_pixels`` is
   ``decompression_bomb`` before a single pixel is decoded.
4. Integrity. ``verify()`` on that first open (PNG checks its chunk CRCs), then
   a full ``load()`` of a fresh open; a truncated or corrupt file is
   ``corrupt_image``.
5. Metadata. The capture time is read from EXIF (``DateTimeOriginal``, else
   ``DateTime``), the EXIF orientation is applied (``ImageOps.exif_transpose``)
   and then every output is written from pixels with nothing but an ICC
   profile (and PNG transparency) carried over: no EXIF (so no GPS), no XMP, no
   comments, no text chunks.
6. Outputs. ``original_clean`` is the oriented original re-encoded in its own
   format: JPEG at ``original_quality``, PNG (lossless, mode kept), WebP
   lossless if the upload was lossless and at ``original_quality`` otherwise.
   ``display`` and ``thumb`` are RGB JPEGs at ``jpeg_quality`` whose longest
   side is ``display_px`` and ``thumb_px``, never upscaled; transparency is
   flattened onto white. For JPEG uploads the display copy comes from a second
   decode in JPEG draft mode (libjpeg scales by 1/2, 1/4 or 1/8 while decoding)
   and the thumbnail from the display copy.

Polyglots. A file is judged by what its decoder makes of it: a valid JPEG with a
ZIP archive (or anything else) appended decodes fine and is accepted, and that
is safe because nothing the client sent is ever stored or served as is, only
pixels re-encoded by us. A JPEG cut short is ``corrupt_image``, whatever its
first bytes claim.

Capture time. EXIF times are local wall-clock times without a zone. When the
camera also wrote ``OffsetTimeOriginal`` (or ``OffsetTime``) it is applied;
otherwise the time is taken to be UTC. ``captured_at`` is always an aware
datetime in UTC, or None when the photo has no usable time.

Global Pillow state. Decoders are constructed directly (``JpegImageFile(fp)``
and friends) rather than through ``Image.open``: ``Image.open`` compares the
size with the process-wide ``Image.MAX_IMAGE_PIXELS`` and reports the lower
threshold as a ``DecompressionBombWarning``, and promoting that to an error
needs ``warnings.catch_warnings``, which is process-wide rather than per-thread
(before Python 3.14) and would leak between concurrent requests. The limit that
matters is the explicit check against ``PhotoLimits.max_pixels``, per call,
which does not depend on ``MAX_IMAGE_PIXELS`` and never changes it. (Pillow's
WebP plugin does apply ``2 * MAX_IMAGE_PIXELS`` itself, as an error, because
libwebp allocates the canvas when the decoder is created; that error is
reported as ``decompression_bomb`` too, and the WebP canvas size is checked
from the bytes before the decoder exists.) This module assumes Pillow's
default ``ImageFile.LOAD_TRUNCATED_IMAGES = False``, which cannot be overridden
per call; it does not change it either.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import BinaryIO, Literal

from PIL import ExifTags, Image, ImageOps, JpegImagePlugin, PngImagePlugin, WebPImagePlugin

PhotoInput = bytes | bytearray | memoryview | BinaryIO  # the upload's bytes, or a binary file to read them from

RejectionCode = Literal["too_large", "not_an_image", "unsupported_format", "decompression_bomb", "corrupt_image"]

SUPPORTED_FORMATS = ("JPEG", "PNG", "WEBP")

MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class PhotoLimits:
    max_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 50_000_000
    thumb_px: int = 320
    display_px: int = 1600
    jpeg_quality: int = 85  # display copy and thumbnail
    original_quality: int = 92  # original_clean when it is a JPEG or a lossy WebP


class PhotoRejected(Exception):
    """The upload is not a photo we keep; ``code`` is for machines, ``message`` for people."""

    def __init__(self, code: RejectionCode, message: str) -> None:
        super().__init__(code, message)  # both in args, so it pickles (e.g. out of a process pool)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class ProcessedPhoto:
    width: int  # of the oriented original
    height: int
    format: str  # "JPEG", "PNG" or "WEBP": the upload's format, which original_clean keeps
    captured_at: datetime | None  # aware, UTC
    thumb: bytes = field(repr=False)  # JPEG
    display: bytes = field(repr=False)  # JPEG
    original_clean: bytes = field(repr=False)  # in ``format``

    @property
    def original_media_type(self) -> str:
        return MEDIA_TYPES[self.format]


def process_photo(data_or_file: PhotoInput, limits: PhotoLimits = PhotoLimits()) -> ProcessedPhoto:
    """Check an uploaded photo and return its cleaned original and derivatives (see the module docstring).

    Raises PhotoRejected; any other exception is a bug or an environment problem,
    never a verdict on the upload.
    """
    data = _read_within_limit(data_or_file, limits.max_bytes)
    image_format = _identify_format(data)
    _check_header(data, image_format, limits)

    image = _decode_fully(data, image_format)
    exif = image.getexif()
    captured_at = _captured_at(exif)
    source_mode = image.mode
    icc_profile = image.info.get("icc_profile")
    ImageOps.exif_transpose(image, in_place=True)
    width, height = image.size
    original_clean = _encode_original(image, image_format, data, icc_profile, limits)

    if image_format == "JPEG":
        # Decoding the JPEG again at 1/2, 1/4 or 1/8 scale and resizing that is
        # faster than resizing the full-size pixels (about 45 ms less per 12 MP
        # photo). Release the full-size pixels first: 50 megapixels are 150 MB.
        image.close()
        image = _decode_for_display(data, limits.display_px)
    display_image = _fit_within(_flatten_to_rgb(image), limits.display_px)
    thumb_image = _fit_within(display_image, limits.thumb_px)
    derivative_icc = _icc_profile_for(icc_profile, source_mode, "RGB")
    return ProcessedPhoto(
        width=width,
        height=height,
        format=image_format,
        captured_at=captured_at,
        thumb=_encode(thumb_image, "JPEG", quality=limits.jpeg_quality, optimize=True, icc_profile=derivative_icc),
        display=_encode(display_image, "JPEG", quality=limits.jpeg_quality, optimize=True, progressive=True,
                        icc_profile=derivative_icc),
        original_clean=original_clean,
    )


# --- 1. size --------------------------------------------------------------------------


def _read_within_limit(data_or_file: PhotoInput, max_bytes: int) -> bytes:
    if isinstance(data_or_file, (bytes, bytearray, memoryview)):
        size = memoryview(data_or_file).nbytes
        if size > max_bytes:
            raise _too_large(max_bytes)
        return bytes(data_or_file)
    chunks: list[bytes] = []
    remaining = max_bytes + 1  # one byte more than allowed tells "too large" from "exactly the limit"
    while remaining > 0:
        chunk = data_or_file.read(min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    if remaining <= 0:
        raise _too_large(max_bytes)
    return b"".join(chunks)


def _too_large(max_bytes: int) -> PhotoRejected:
    return PhotoRejected("too_large", f"photos may be at most {max_bytes} bytes")


# --- 2. format ------------------------------------------------------------------------

_DECODERS = {
    "JPEG": JpegImagePlugin.JpegImageFile,
    "PNG": PngImagePlugin.PngImageFile,
    "WEBP": WebPImagePlugin.WebPImageFile,
}

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1",
                b"avif", b"avis"}
_BMP_INFO_HEADER_SIZES = {12, 40, 52, 56, 64, 108, 124}


def _identify_format(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    other = _recognised_unsupported_format(data)
    if other is not None:
        raise PhotoRejected("unsupported_format", f"{other} images are not accepted; send JPEG, PNG or WebP")
    raise PhotoRejected("not_an_image", "the file is not an image")


def _recognised_unsupported_format(data: bytes) -> str | None:
    """Name image formats people do send by mistake, so they get a clearer answer than "not an image"."""
    head = data[:32]
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:2] == b"BM" and int.from_bytes(head[14:18], "little") in _BMP_INFO_HEADER_SIZES:
        return "BMP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "HEIC/AVIF"
    if head.startswith(b"\x00\x00\x00\x0cjP  "):
        return "JPEG 2000"
    if head.startswith((b"\xff\x0a", b"\x00\x00\x00\x0cJXL ")):
        return "JPEG XL"
    if head[:4] == b"8BPS":
        return "PSD"
    text = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<svg") or (text.startswith((b"<?xml", b"<!doctype svg")) and b"<svg" in text):
        return "SVG"
    return None


# --- 3 and 4. header, integrity --------------------------------------------------------

# What Pillow raises for a file it cannot make sense of: SyntaxError from header
# parsing (the decoder constructors turn IndexError, KeyError, EOFError and
# struct.error into it), OSError from decoding ("image file is truncated",
# "broken data stream", bad PNG checksums), ValueError and EOFError from a few
# plugins' consistency checks.
_PILLOW_DECODE_ERRORS = (SyntaxError, OSError, ValueError, EOFError)


def _open(data: bytes, image_format: str) -> Image.Image:
    return _DECODERS[image_format](io.BytesIO(data))


def _check_header(data: bytes, image_format: str, limits: PhotoLimits) -> None:
    if image_format == "WEBP":
        # libwebp allocates the whole canvas as soon as its decoder is created,
        # which Pillow does while opening, so the declared size is checked first.
        declared = _webp_canvas_size(data)
        if declared is not None:
            _check_pixels(declared, limits)
    try:
        with _open(data, image_format) as image:
            _check_pixels(image.size, limits)
            if getattr(image, "n_frames", 1) > 1:
                raise PhotoRejected("unsupported_format", "animated images are not accepted; send a single photo")
            image.verify()
    except Image.DecompressionBombError as error:
        # Pillow's WebP plugin applies 2 x Image.MAX_IMAGE_PIXELS itself while opening.
        raise PhotoRejected("decompression_bomb", str(error)) from error
    except _PILLOW_DECODE_ERRORS as error:
        raise _corrupt(error) from error


def _check_pixels(size: tuple[int, int], limits: PhotoLimits) -> None:
    width, height = size
    if width * height > limits.max_pixels:
        raise PhotoRejected(
            "decompression_bomb",
            f"{width}x{height} is {width * height} pixels; photos may have at most {limits.max_pixels}",
        )


def _webp_canvas_size(data: bytes) -> tuple[int, int] | None:
    """The canvas size in a WebP's first chunk (RFC 9649), or None if it is not where it should be."""
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:  # extended: 24-bit width - 1 and height - 1
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:  # lossless: 14-bit width - 1 and height - 1
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":  # lossy: 14-bit width and height
        return int.from_bytes(data[26:28], "little") & 0x3FFF, int.from_bytes(data[28:30], "little") & 0x3FFF
    return None


def _decode_fully(data: bytes, image_format: str) -> Image.Image:
    # verify() leaves its image unusable, hence a fresh open; load() is what
    # notices truncated or broken pixel data.
    try:
        image = _open(data, image_format)
        image.load()
    except _PILLOW_DECODE_ERRORS as error:
        raise _corrupt(error) from error
    return image


def _decode_for_display(data: bytes, display_px: int) -> Image.Image:
    """Decode a JPEG at the smallest libjpeg scale that is still at least display size, oriented."""
    try:
        image = _open(data, "JPEG")
        image.draft("RGB", _fitted_size(image.size, display_px))
        image.load()
    except _PILLOW_DECODE_ERRORS as error:
        raise _corrupt(error) from error
    ImageOps.exif_transpose(image, in_place=True)
    return image


def _corrupt(error: Exception) -> PhotoRejected:
    return PhotoRejected("corrupt_image", f"the image is damaged or truncated ({error})")


# --- 5. capture time ------------------------------------------------------------------

_EXIF_DATETIME = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


def _captured_at(exif: Image.Exif) -> datetime | None:
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    candidates = (
        # Some writers put DateTimeOriginal in IFD0 instead of the Exif sub-IFD.
        (exif_ifd.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTimeOriginal),
         exif_ifd.get(ExifTags.Base.OffsetTimeOriginal)),
        (exif.get(ExifTags.Base.DateTime), exif_ifd.get(ExifTags.Base.OffsetTime)),
    )
    for stamp, offset in candidates:
        moment = _parse_exif_datetime(stamp, offset)
        if moment is not None:
            return moment
    return None


def _parse_exif_datetime(stamp: object, offset: object) -> datetime | None:
    """EXIF "YYYY:MM:DD HH:MM:SS" (+ optional "+HH:MM") as aware UTC; None for blanks and junk."""
    text = _exif_text(stamp)
    match = _EXIF_DATETIME.match(text) if text else None
    if match is None:
        return None
    try:
        local = datetime(*(int(part) for part in match.groups()))
    except ValueError:  # "0000:00:00 00:00:00" and other impossible dates that cameras write
        return None
    zone = UTC
    offset_match = _EXIF_OFFSET.fullmatch(_exif_text(offset) or "")
    if offset_match is not None:
        sign, hours, minutes = offset_match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        if delta < timedelta(hours=24):
            zone = timezone(-delta if sign == "-" else delta)
    return local.replace(tzinfo=zone).astimezone(UTC)


def _exif_text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return value.strip("\x00 ") if isinstance(value, str) else None


# --- 6. outputs -----------------------------------------------------------------------


def _encode_original(image: Image.Image, image_format: str, data: bytes, icc_profile: bytes | None,
                     limits: PhotoLimits) -> bytes:
    if image_format == "JPEG":
        # Grey stays grey; CMYK (and anything unusual) becomes RGB, which browsers show reliably.
        clean = image if image.mode in ("L", "RGB") else image.convert("RGB")
        return _encode(clean, "JPEG", quality=limits.original_quality,
                       icc_profile=_icc_profile_for(icc_profile, image.mode, clean.mode))
    if image_format == "PNG":
        # PNG keeps its mode (alpha, palette, 16-bit grey); a palette's or a colour
        # key's transparency lives in info and has to be passed on explicitly.
        return _encode(image, "PNG", icc_profile=icc_profile, transparency=image.info.get("transparency"))
    if _webp_is_lossless(data):
        return _encode(image, "WEBP", lossless=True, exact=True, icc_profile=icc_profile)
    return _encode(image, "WEBP", quality=limits.original_quality, icc_profile=icc_profile)


def _encode(image: Image.Image, image_format: str, **params: object) -> bytes:
    """Encode with exactly ``params`` as metadata.

    Pillow's encoders fall back on ``image.info`` for some metadata that is not
    passed explicitly (JPEG comments; PNG ICC profiles and transparency; perhaps
    more in later versions), so the image is encoded with an empty ``info``.
    Parameters that are None are left out.
    """
    params = {key: value for key, value in params.items() if value is not None}
    kept_info, image.info = image.info, {}
    try:
        buffer = io.BytesIO()
        image.save(buffer, image_format, **params)
    finally:
        image.info = kept_info
    return buffer.getvalue()


def _webp_is_lossless(data: bytes) -> bool:
    """Whether the WebP's image chunk is VP8L (lossless) rather than VP8 (lossy)."""
    position = 12  # after "RIFF", the file size and "WEBP": chunks of fourcc, size (LE), payload padded to even
    while position + 8 <= len(data):
        fourcc = data[position:position + 4]
        if fourcc == b"VP8L":
            return True
        if fourcc == b"VP8 ":
            return False
        size = int.from_bytes(data[position + 4:position + 8], "little")
        position += 8 + size + (size & 1)
    return False


def _flatten_to_rgb(image: Image.Image) -> Image.Image:
    """RGB for a JPEG, with any transparency composited onto white."""
    if image.mode.startswith("I;16"):
        # 16-bit grey: plain conversion would clip everything above 255 to white.
        # Its colour key (a 16-bit value) has no exact 8-bit equivalent; drop it.
        image = image.point(lambda value: value / 256).convert("L")
        image.info.pop("transparency", None)
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        flattened = Image.new("RGB", rgba.size, "white")
        flattened.paste(rgba, mask=rgba.getchannel("A"))
        return flattened
    return image if image.mode == "RGB" else image.convert("RGB")


def _fitted_size(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """``size`` scaled so its longest side is ``longest``; unchanged if already no longer (never upscale)."""
    width, height = size
    if max(width, height) <= longest:
        return size
    scale = longest / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _fit_within(image: Image.Image, longest: int) -> Image.Image:
    size = _fitted_size(image.size, longest)
    if size == image.size:
        return image
    # reducing_gap lets Pillow shrink by an integer factor first, as fast as JPEG
    # draft mode and with no visible difference at 3x the target size.
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _colour_model(mode: str) -> str:
    if mode in ("RGB", "RGBA", "RGBX", "RGBa", "P", "PA"):
        return "RGB"
    if mode in ("1", "L", "LA", "La", "I", "F") or mode.startswith("I;16"):
        return "GREY"
    return mode  # CMYK, YCbCr, LAB, HSV: a model of their own


def _icc_profile_for(icc_profile: bytes | None, source_mode: str, output_mode: str) -> bytes | None:
    """The source's ICC profile if it still describes the output (a CMYK or grey profile on RGB pixels would not)."""
    if icc_profile and _colour_model(source_mode) == _colour_model(output_mode):
        return icc_profile
    return None
