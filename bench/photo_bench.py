"""Photo pipeline benchmark: process_photo throughput against plain Pillow, and bytes stored.

    .venv/bin/python bench/photo_bench.py [--count 8] [--rounds 3]

Generates ``--count`` 12-megapixel (4000x3000) camera-like JPEGs in memory: a
colour gradient with shapes and sensor-like noise, EXIF with a capture time and
GPS, every other one in portrait orientation (EXIF orientation 6) as phones
write them. Then, in the same run and interleaved round by round so both see
the same machine state, it times:

* ``process_photo``: checks, full decode, orientation, cleaned original,
  display copy (JPEG draft decode) and thumbnail;
* the baseline: ``Image.open`` + full ``load()`` + ``resize`` to 1600 px
  (LANCZOS) + ``save`` as JPEG, which is the least any server that makes a
  display copy does.

Prints photos per second for each (the best round), their ratio, and the bytes
stored per photo (original_clean + display + thumb) against the upload's size.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import ExifTags, Image, ImageDraw, ImageFilter  # after the path set-up above

from server.photos import PhotoLimits, process_photo

WIDTH, HEIGHT = 4000, 3000


def camera_like_jpeg(index: int) -> bytes:
    """A 12 MP JPEG about the size a phone would write (a few MB), with phone-like EXIF."""
    # Smooth colour gradients, as in a lit scene, at 1/8 scale then enlarged (cheap and smooth).
    small = (WIDTH // 8, HEIGHT // 8)
    red = Image.linear_gradient("L").rotate(15 * index, expand=False).resize(small)
    green = Image.radial_gradient("L").resize(small)
    blue = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90).resize(small)
    scene = Image.merge("RGB", (red, green, blue)).resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)
    # Edges and texture: fabric-like stripes and a few garments' worth of shapes.
    draw = ImageDraw.Draw(scene)
    for stripe in range(0, WIDTH, 24):
        draw.line([(stripe, 0), (stripe + 400, HEIGHT)], fill=(90 + index * 10, 60, 40), width=3)
    for shape in range(12):
        left, top = (shape * 331 + index * 97) % (WIDTH - 600), (shape * 211 + index * 53) % (HEIGHT - 600)
        draw.rectangle([left, top, left + 500, top + 380], outline=(240, 240, 230), width=9)
        draw.ellipse([left + 60, top + 60, left + 300, top + 300], fill=(30 + shape * 15, 120, 200 - shape * 10))
    # Sensor noise, slightly blurred as a camera's processing leaves it.
    noise = Image.effect_noise((WIDTH, HEIGHT), 18).filter(ImageFilter.BoxBlur(1))
    scene = Image.blend(scene, Image.merge("RGB", (noise, noise, noise)), 0.18)

    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Bench"
    exif[ExifTags.Base.Orientation] = 6 if index % 2 else 1
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = f"2024:05:{index % 28 + 1:02d} 10:20:30"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", (10.0, 45.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", (106.0, 40.0, 1.25)
    buffer = io.BytesIO()
    scene.save(buffer, "JPEG", quality=92, exif=exif)
    return buffer.getvalue()


def baseline(data: bytes, display_px: int) -> bytes:
    image = Image.open(io.BytesIO(data))
    image.load()
    scale = display_px / max(image.size)
    resized = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    resized.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def timed_round(work, photos: list[bytes]) -> float:
    """Seconds to run ``work`` over every photo once."""
    started = time.perf_counter()
    for data in photos:
        work(data)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=8, help="photos generated (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of each (default 3, best counts)")
    arguments = parser.parse_args()
    limits = PhotoLimits()

    started = time.perf_counter()
    photos = [camera_like_jpeg(index) for index in range(arguments.count)]
    print(f"generated {len(photos)} JPEGs of {WIDTH}x{HEIGHT} in {time.perf_counter() - started:.1f} s, "
          f"{statistics.mean(map(len, photos)) / 1e6:.2f} MB each on average")

    # Warm up both paths (imports, libjpeg tables, allocator) before timing.
    processed = [process_photo(data, limits) for data in photos]
    baseline(photos[0], limits.display_px)

    pipeline_times, baseline_times = [], []
    for _ in range(arguments.rounds):
        pipeline_times.append(timed_round(lambda data: process_photo(data, limits), photos))
        baseline_times.append(timed_round(lambda data: baseline(data, limits.display_px), photos))
    pipeline_rate = len(photos) / min(pipeline_times)
    baseline_rate = len(photos) / min(baseline_times)

    for label, rate in (("process_photo", pipeline_rate), ("baseline: open+load+resize 1600+save", baseline_rate)):
        print(f"{label:<38} {rate:6.2f} photos/s  ({1000 / rate:4.0f} ms per photo)")
    print(f"ratio process_photo / baseline: {pipeline_rate / baseline_rate:.2f}")

    input_size = statistics.mean(map(len, photos))
    originals = statistics.mean(len(photo.original_clean) for photo in processed)
    displays = statistics.mean(len(photo.display) for photo in processed)
    thumbs = statistics.mean(len(photo.thumb) for photo in processed)
    stored = originals + displays + thumbs
    print(f"bytes per photo: input {input_size:,.0f}; stored {stored:,.0f} "
          f"= original_clean {originals:,.0f} + display {displays:,.0f} + thumb {thumbs:,.0f} "
          f"({stored / input_size:.2f}x the input)")


if __name__ == "__main__":
    main()
