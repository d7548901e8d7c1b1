"""process_photo: refusals, orientation, metadata stripping, derivatives.

Every image is generated here with Pillow (no binary fixtures). Decisions the
tests pin down: a JPEG with a ZIP appended is accepted (it decodes, and only
re-encoded pixels are kept); a JPEG cut short is corrupt_image; animated
PNG/WebP is unsupported_format.
"""

from __future__ import annotations

import io
import pickle
import random
import struct
import warnings
import zipfile
import zlib
from datetime import UTC, datetime

import pytest
from PIL import ExifTags, Image, ImageCms, ImageFile, JpegImagePlugin, PngImagePlugin, WebPImagePlugin

from server.photos import PhotoLimits, PhotoRejected, ProcessedPhoto, process_photo

GPS_IFD = ExifTags.IFD.GPSInfo
EXIF_IFD = ExifTags.IFD.Exif
SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def encode(image: Image.Image, image_format: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **params)
    return buffer.getvalue()


def landscape_with_marker(size=(400, 300)) -> Image.Image:
    """Grey, with a red square in the top-left corner to tell which way is up."""
    image = Image.new("RGB", size, (128, 128, 128))
    image.paste((255, 0, 0), (0, 0, size[0] // 8, size[1] // 8))
    return image


def camera_exif(orientation: int = 6, taken: str | None = "2024:05:01 10:20:30", offset: str | None = None,
                modified: str | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Seamline Test Camera"
    exif[ExifTags.Base.Orientation] = orientation
    if modified:
        exif[ExifTags.Base.DateTime] = modified
    if taken:
        exif.get_ifd(EXIF_IFD)[ExifTags.Base.DateTimeOriginal] = taken
    if offset:
        exif.get_ifd(EXIF_IFD)[ExifTags.Base.OffsetTimeOriginal] = offset
    gps = exif.get_ifd(GPS_IFD)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (10.0, 45.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (106.0, 40.0, 1.25)
    return exif


def outputs(photo: ProcessedPhoto) -> dict[str, bytes]:
    return {"thumb": photo.thumb, "display": photo.display, "original_clean": photo.original_clean}


def opened(encoded: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(encoded))
    image.load()
    return image


def assert_no_metadata(encoded: bytes) -> None:
    image = opened(encoded)
    assert "exif" not in image.info
    assert not image.getexif()
    assert not image.getexif().get_ifd(GPS_IFD)
    for key in ("xmp", "XML:com.adobe.xmp", "comment", "Comment", "Description"):
        assert key not in image.info
    assert b"Exif\x00\x00" not in encoded
    assert b"GPS" not in encoded


def rejection(data, limits: PhotoLimits = PhotoLimits()) -> str:
    with pytest.raises(PhotoRejected) as raised:
        process_photo(data, limits)
    assert raised.value.message
    return raised.value.code


# --- orientation, metadata, capture time -----------------------------------------------


@pytest.fixture(scope="module")
def rotated_jpeg() -> bytes:
    data = encode(landscape_with_marker(), "JPEG", exif=camera_exif(orientation=6), comment=b"<script>x</script>",
                  xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>10,45N</exif:GPSLatitude></x:xmpmeta>',
                  icc_profile=SRGB_PROFILE)
    with Image.open(io.BytesIO(data)) as original:  # the test image really carries what we strip
        assert original.getexif().get_ifd(GPS_IFD)
        assert "comment" in original.info and "xmp" in original.info
    return data


def test_orientation_is_applied_and_reported_sizes_are_after_it(rotated_jpeg):
    photo = process_photo(rotated_jpeg)
    assert (photo.width, photo.height) == (300, 400)
    assert photo.format == "JPEG"
    for name, encoded in outputs(photo).items():
        image = opened(encoded)
        assert image.width < image.height, name
        # Orientation 6 means "rotate 90 degrees clockwise to view": the top-left marker ends up top-right.
        top_right = image.getpixel((image.width - 2, 2))
        top_left = image.getpixel((1, 1))
        assert top_right[0] > 200 and top_right[1] < 60, name
        assert top_left[0] < 160, name


def test_gps_exif_xmp_and_comments_are_stripped_from_every_output(rotated_jpeg):
    photo = process_photo(rotated_jpeg)
    for encoded in outputs(photo).values():
        assert_no_metadata(encoded)
        assert b"<script>" not in encoded


def test_the_icc_profile_is_kept(rotated_jpeg):
    photo = process_photo(rotated_jpeg)
    for encoded in outputs(photo).values():
        assert opened(encoded).info.get("icc_profile") == SRGB_PROFILE


def test_the_capture_time_is_kept(rotated_jpeg):
    assert process_photo(rotated_jpeg).captured_at == datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("exif", "expected"),
    [
        (camera_exif(taken="2024:05:01 10:20:30", offset="+07:00"), datetime(2024, 5, 1, 3, 20, 30)),
        (camera_exif(taken="2024:05:01 23:50:00", offset="-05:30"), datetime(2024, 5, 2, 5, 20, 0)),
        (camera_exif(taken=None, modified="2023:12:31 08:00:00"), datetime(2023, 12, 31, 8, 0, 0)),
        (camera_exif(taken="2024:05:01 10:20:30", modified="2024:06:01 00:00:00"), datetime(2024, 5, 1, 10, 20, 30)),
        (camera_exif(taken="0000:00:00 00:00:00", modified="2023:12:31 08:00:00"), datetime(2023, 12, 31, 8, 0, 0)),
        (camera_exif(taken="0000:00:00 00:00:00"), None),
        (camera_exif(taken="    :  :     :  :  "), None),
        (camera_exif(taken=None), None),
    ],
)
def test_capture_time_sources_and_zones(exif, expected):
    photo = process_photo(encode(landscape_with_marker((40, 30)), "JPEG", exif=exif))
    assert photo.captured_at == (expected.replace(tzinfo=UTC) if expected else None)


def test_a_photo_without_exif_has_no_capture_time():
    photo = process_photo(encode(landscape_with_marker(), "JPEG"))
    assert photo.captured_at is None
    assert (photo.width, photo.height) == (400, 300)


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_png_and_webp_exif_is_used_then_stripped(image_format):
    data = encode(landscape_with_marker(), image_format, exif=camera_exif(orientation=8))
    photo = process_photo(data)
    assert (photo.width, photo.height) == (300, 400)
    assert photo.captured_at == datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)
    for encoded in outputs(photo).values():
        assert_no_metadata(encoded)


def test_png_text_chunks_are_not_carried_over():
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "GPS 10.75N 106.66E")
    text.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta/>")
    photo = process_photo(encode(landscape_with_marker(), "PNG", pnginfo=text))
    for encoded in outputs(photo).values():
        assert_no_metadata(encoded)
        assert b"tEXt" not in encoded and b"iTXt" not in encoded


def test_a_cmyk_profile_does_not_follow_the_pixels_to_rgb():
    data = encode(Image.new("CMYK", (64, 48), (0, 255, 255, 0)), "JPEG", icc_profile=b"a CMYK profile")
    photo = process_photo(data)
    for encoded in outputs(photo).values():
        image = opened(encoded)
        assert image.mode == "RGB"
        assert "icc_profile" not in image.info


# --- formats of the outputs --------------------------------------------------------------


def test_jpeg_outputs_are_jpegs():
    photo = process_photo(encode(landscape_with_marker(), "JPEG"))
    assert photo.original_media_type == "image/jpeg"
    for encoded in outputs(photo).values():
        assert opened(encoded).format == "JPEG"
        assert opened(encoded).mode == "RGB"


def test_a_grey_jpeg_stays_grey_in_the_original():
    photo = process_photo(encode(Image.new("L", (64, 48), 90), "JPEG"))
    assert opened(photo.original_clean).mode == "L"
    assert opened(photo.display).mode == "RGB"


def half_transparent(mode: str = "RGBA") -> Image.Image:
    image = Image.new("RGBA", (200, 100), (0, 0, 255, 255))
    image.paste((0, 0, 0, 0), (0, 0, 100, 100))  # transparent black on the left
    return image if mode == "RGBA" else image.convert(mode)


def test_png_with_alpha_gives_jpeg_derivatives_on_white_and_keeps_alpha_in_the_original():
    photo = process_photo(encode(half_transparent(), "PNG"))
    assert photo.format == "PNG" and photo.original_media_type == "image/png"
    original = opened(photo.original_clean)
    assert original.format == "PNG" and original.mode == "RGBA"
    assert original.getpixel((10, 10)) == (0, 0, 0, 0)
    for encoded in (photo.thumb, photo.display):
        derivative = opened(encoded)
        assert (derivative.format, derivative.mode) == ("JPEG", "RGB")
        assert all(channel > 245 for channel in derivative.getpixel((10, 50)))  # white, not black
        red, green, blue = derivative.getpixel((derivative.width - 10, 50))
        assert blue > 230 and red < 20 and green < 20


def test_a_palette_png_keeps_its_transparency_in_the_original():
    palette_image = half_transparent().quantize(colors=4)
    transparent_index = palette_image.getpixel((10, 10))
    data = encode(palette_image, "PNG", transparency=transparent_index)
    photo = process_photo(data)
    original = opened(photo.original_clean)
    assert original.mode == "P" and original.info["transparency"] == transparent_index
    assert all(channel > 245 for channel in opened(photo.thumb).getpixel((5, 5)))


def test_a_16_bit_grey_png_is_scaled_not_clipped():
    data = encode(Image.new("I;16", (64, 48), 32768), "PNG")
    photo = process_photo(data)
    assert opened(photo.original_clean).mode == "I;16"
    assert opened(photo.original_clean).getpixel((3, 3)) == 32768
    red, green, blue = opened(photo.display).getpixel((3, 3))
    assert 120 <= red <= 136 and red == green == blue


def test_lossless_webp_stays_lossless():
    gradient = Image.merge("RGB", [Image.linear_gradient("L").resize((120, 90))] * 3)
    photo = process_photo(encode(gradient, "WEBP", lossless=True))
    assert photo.original_media_type == "image/webp"
    assert b"VP8L" in photo.original_clean[:64]
    assert opened(photo.original_clean).tobytes() == gradient.tobytes()


def test_lossy_webp_stays_lossy_webp():
    photo = process_photo(encode(landscape_with_marker(), "WEBP", quality=80))
    assert opened(photo.original_clean).format == "WEBP"
    assert b"VP8 " in photo.original_clean[:64]


# --- sizes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "display", "thumb"),
    [
        ((4000, 3000), (1600, 1200), (320, 240)),
        ((3000, 4000), (1200, 1600), (240, 320)),
        ((1600, 1600), (1600, 1600), (320, 320)),
        ((1000, 500), (1000, 500), (320, 160)),
        ((200, 100), (200, 100), (200, 100)),  # never upscaled
        ((5000, 10), (1600, 3), (320, 1)),
    ],
)
def test_display_and_thumbnail_sizes(size, display, thumb):
    photo = process_photo(encode(Image.new("RGB", size, (40, 90, 160)), "JPEG"))
    assert (photo.width, photo.height) == size
    assert opened(photo.display).size == display
    assert opened(photo.thumb).size == thumb
    assert opened(photo.original_clean).size == size


def test_big_jpegs_are_decoded_in_draft_mode_for_the_derivatives(monkeypatch):
    decoded_sizes = []
    real_draft = JpegImagePlugin.JpegImageFile.draft

    def recording_draft(self, mode, size):
        result = real_draft(self, mode, size)
        decoded_sizes.append(self.size)  # what libjpeg will actually decode
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", recording_draft)
    photo = process_photo(encode(Image.new("RGB", (4000, 3000), (40, 90, 160)), "JPEG"))
    assert decoded_sizes == [(2000, 1500)]  # half scale: still at least 1600 wide, a quarter of the pixels
    assert opened(photo.display).size == (1600, 1200)
    assert (photo.width, photo.height) == (4000, 3000)  # the original was decoded in full


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b"hello, this is not a photo" * 40, b"%PDF-1.7\n" + b"0" * 500, bytes(random.Random(1).randbytes(4096))],
    ids=["empty", "text", "pdf", "random"],
)
def test_non_images_are_refused(data):
    assert rejection(data) == "not_an_image"


@pytest.mark.parametrize("image_format", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(image_format):
    assert rejection(encode(landscape_with_marker((40, 30)), image_format)) == "unsupported_format"


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        b'  <svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100,
    ],
    ids=["svg", "svg-script", "heic"],
)
def test_svg_and_heic_are_refused_as_unsupported(data):
    assert rejection(data) == "unsupported_format"


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_animated_images_are_refused(image_format):
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "green", "blue")]
    data = encode(frames[0], image_format, save_all=True, append_images=frames[1:], duration=100)
    assert rejection(data) == "unsupported_format"


def test_too_large_is_refused_before_decoding(monkeypatch):
    data = encode(landscape_with_marker(), "JPEG")
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded a file that is too large"))
    assert rejection(data, PhotoLimits(max_bytes=len(data) - 1)) == "too_large"


def test_too_large_reads_a_file_only_up_to_the_limit():
    data = encode(landscape_with_marker(), "JPEG")
    upload = io.BytesIO(data)
    assert rejection(upload, PhotoLimits(max_bytes=1000)) == "too_large"
    assert upload.tell() == 1001


@pytest.mark.parametrize("as_file", [False, True])
def test_exactly_the_size_limit_is_accepted(as_file):
    data = encode(landscape_with_marker(), "JPEG")
    photo = process_photo(io.BytesIO(data) if as_file else data, PhotoLimits(max_bytes=len(data)))
    assert photo.width == 400


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height 8-bit grey pixels, with a token IDAT: a few hundred bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(b"\x00" * (width + 1) * 4)) + png_chunk(b"IEND", b""))


@pytest.mark.parametrize("global_limit", ["pillow default", None, 10**12])
def test_a_decompression_bomb_is_refused_from_its_header_whatever_the_global_limit(monkeypatch, global_limit):
    if global_limit != "pillow default":
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", global_limit)
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded the pixels of a bomb"))
    data = png_declaring(30000, 30000)
    assert len(data) < 2000
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DecompressionBombWarning either
        assert rejection(data) == "decompression_bomb"


def webp_declaring(width: int, height: int) -> bytes:
    """An extended-format WebP header declaring a width x height canvas, then a tiny lossless image."""
    tiny = encode(Image.new("RGB", (1, 1)), "WEBP", lossless=True)[12:]
    canvas = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    header = b"VP8X" + struct.pack("<I", 10) + b"\x00" * 4 + canvas
    body = b"WEBP" + header + tiny
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_a_webp_bomb_is_refused_before_libwebp_allocates_its_canvas(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # Pillow's own check out of the way
    monkeypatch.setattr(WebPImagePlugin._webp, "WebPAnimDecoder",
                        lambda data: pytest.fail("created a WebP decoder for a bomb"))
    assert rejection(webp_declaring(16383, 16383)) == "decompression_bomb"


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_the_pixel_limit_is_ours_not_pillows(monkeypatch, image_format):
    data = encode(Image.new("RGB", (200, 100), "white"), image_format)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    assert rejection(data, PhotoLimits(max_pixels=200 * 100 - 1)) == "decompression_bomb"
    assert process_photo(data, PhotoLimits(max_pixels=200 * 100)).width == 200


@pytest.mark.parametrize("image_format", ["JPEG", "PNG"])
def test_a_stricter_global_limit_set_by_someone_else_does_not_apply(monkeypatch, image_format):
    data = encode(Image.new("RGB", (200, 100), "white"), image_format)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert process_photo(data).width == 200


def test_pillows_own_webp_size_refusal_is_reported_as_a_bomb(monkeypatch):
    # The one place Pillow applies its global limit regardless: opening a WebP (see the pipeline's docstring).
    data = encode(Image.new("RGB", (200, 100), "white"), "WEBP")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert rejection(data) == "decompression_bomb"


def test_pillow_global_state_is_left_alone():
    before = (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES)
    process_photo(encode(landscape_with_marker(), "JPEG"))
    with pytest.raises(PhotoRejected):
        process_photo(png_declaring(30000, 30000))
    assert (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES) == before


# --- corrupt files and polyglots ---------------------------------------------------------


@pytest.fixture(scope="module")
def noisy_jpeg() -> bytes:
    noise = Image.effect_noise((400, 300), 60).convert("RGB")
    return encode(noise, "JPEG", quality=90)


def test_a_jpeg_cut_in_half_is_corrupt(noisy_jpeg):
    assert rejection(noisy_jpeg[: len(noisy_jpeg) // 2]) == "corrupt_image"


def test_a_jpeg_signature_followed_by_garbage_is_corrupt():
    assert rejection(b"\xff\xd8\xff\xe0" + random.Random(2).randbytes(5000)) == "corrupt_image"


def test_a_jpeg_header_followed_by_garbage_is_corrupt(noisy_jpeg):
    # Every marker segment up to the start of the scan, then noise instead of image data and no end marker.
    start_of_scan = noisy_jpeg.index(b"\xff\xda")
    scan_header_length = int.from_bytes(noisy_jpeg[start_of_scan + 2:start_of_scan + 4], "big")
    headers = noisy_jpeg[: start_of_scan + 2 + scan_header_length]
    assert rejection(headers + random.Random(3).randbytes(200)) == "corrupt_image"


def test_a_png_with_damaged_image_data_is_corrupt():
    data = bytearray(encode(landscape_with_marker(), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 10] ^= 0xFF  # flips a compressed byte (and so breaks the chunk's CRC)
    assert rejection(bytes(data)) == "corrupt_image"


def test_a_png_whose_checksum_alone_is_wrong_is_corrupt():
    # Decoding never looks at the CRC; verify() does.
    data = bytearray(encode(landscape_with_marker(), "PNG"))
    idat = data.index(b"IDAT")
    length = int.from_bytes(data[idat - 4:idat], "big")
    data[idat + 4 + length] ^= 0xFF
    assert rejection(bytes(data)) == "corrupt_image"


def test_a_truncated_png_is_corrupt():
    data = encode(Image.effect_noise((200, 150), 60), "PNG")
    assert rejection(data[: len(data) // 2]) == "corrupt_image"


def test_a_png_signature_with_a_broken_header_is_corrupt():
    assert rejection(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100) == "corrupt_image"


def test_a_truncated_webp_is_corrupt():
    data = encode(Image.effect_noise((200, 150), 60).convert("RGB"), "WEBP", quality=90)
    assert rejection(data[: len(data) // 2]) == "corrupt_image"


def test_a_jpeg_with_a_zip_appended_is_accepted_and_the_zip_is_not_kept(noisy_jpeg):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.html", "<script>steal()</script>")
    polyglot = noisy_jpeg + archive.getvalue()
    assert zipfile.is_zipfile(io.BytesIO(polyglot))  # it really is both
    photo = process_photo(polyglot)
    assert (photo.width, photo.height) == (400, 300)
    for encoded in outputs(photo).values():
        assert b"PK\x03\x04" not in encoded and b"payload.html" not in encoded
        assert not zipfile.is_zipfile(io.BytesIO(encoded))


def test_rejections_are_exceptions_with_code_and_message():
    error = PhotoRejected("too_large", "photos may be at most 10 bytes")
    assert (error.code, error.message) == ("too_large", "photos may be at most 10 bytes")
    assert str(error) == "too_large: photos may be at most 10 bytes"
    copied = pickle.loads(pickle.dumps(error))
    assert (copied.code, copied.message) == (error.code, error.message)
