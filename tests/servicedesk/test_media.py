import io

import pytest
from PIL import Image

from townhall.servicedesk.media import PhotoError, clean_photo

GPS_IFD = 0x8825


def photo_with_gps(fmt: str = "JPEG", size: tuple[int, int] = (640, 480)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[GPS_IFD] = {1: "N", 2: (40.0, 1.0, 30.0), 3: "W", 4: (75.0, 12.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif)
    return out.getvalue()


def test_a_photo_is_re_encoded_without_exif_or_gps():
    original = photo_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    cleaned = clean_photo(original)
    stored = Image.open(io.BytesIO(cleaned.content))
    assert stored.format == "JPEG"
    assert not stored.getexif()
    assert b"PhoneMaker" not in cleaned.content
    assert (cleaned.width, cleaned.height) == (640, 480)


def test_a_file_that_only_pretends_to_be_a_photo_is_refused():
    with pytest.raises(PhotoError, match="not a readable image"):
        clean_photo(b"<html>not an image</html>")


def test_a_truncated_photo_is_refused():
    with pytest.raises(PhotoError):
        clean_photo(photo_with_gps()[:500])


def test_oversized_photos_are_refused(settings):
    settings.TOWNHALL = {**settings.TOWNHALL, "MAX_UPLOAD_BYTES": 1000}
    with pytest.raises(PhotoError, match="larger than"):
        clean_photo(photo_with_gps())


def test_too_many_pixels_are_refused(settings):
    settings.TOWNHALL = {**settings.TOWNHALL, "MAX_IMAGE_PIXELS": 10_000}
    with pytest.raises(PhotoError, match="pixels"):
        clean_photo(photo_with_gps(size=(200, 200)))


def test_huge_photos_are_scaled_down():
    cleaned = clean_photo(photo_with_gps(fmt="PNG", size=(4000, 1000)))
    assert max(cleaned.width, cleaned.height) == 2560
