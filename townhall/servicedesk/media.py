"""Photos from residents: sniffed, size-checked, re-encoded, stripped of EXIF and GPS."""

from __future__ import annotations

import io
import warnings

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from townhall.servicedesk.inputs import PhotoInput

# What we accept, by the format Pillow finds in the bytes (never the file name or header).
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
MAX_EDGE_PX = 2560


class PhotoError(ValueError):
    """The upload is not a photo we can take; the message is for the person uploading."""


def clean_photo(content: bytes) -> PhotoInput:
    limits: dict[str, int] = settings.TOWNHALL
    if len(content) > limits["MAX_UPLOAD_BYTES"]:
        raise PhotoError(
            _("the photo is larger than %(size)s") % {"size": _size(limits["MAX_UPLOAD_BYTES"])}
        )
    image = _open(content, limits["MAX_IMAGE_PIXELS"])
    # Apply the camera's rotation before the EXIF block (and its GPS position) is dropped.
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_EDGE_PX, MAX_EDGE_PX))
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    # A fresh JPEG carries no metadata unless we pass it: no EXIF, no GPS, no XMP.
    image.save(out, format="JPEG", quality=85, optimize=True)
    return PhotoInput(
        content=out.getvalue(),
        content_type="image/jpeg",
        extension="jpg",
        width=image.width,
        height=image.height,
    )


def _size(n_bytes: int) -> str:
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):g} MB"
    return f"{max(1, n_bytes // 1024)} KB"


def _open(content: bytes, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            if image.format not in ACCEPTED_FORMATS:
                raise PhotoError(_("the file is not a JPEG, PNG, WebP or GIF image"))
            if image.width * image.height > max_pixels:
                raise PhotoError(
                    _("the photo has more than %(count)s pixels")
                    % {"count": number_format(max_pixels, force_grouping=True)}
                )
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise PhotoError(_("the file is not a readable image")) from None
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, PhotoError):
            raise
        raise PhotoError(_("the image is damaged or truncated")) from None
    return image
