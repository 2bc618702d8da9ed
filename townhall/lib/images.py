"""Re-encode an uploaded photo: sniff the format, bound its size, drop EXIF, GPS and XMP.

Pure Pillow, no Django, so that every domain (service requests, participatory-budgeting
projects) shares one implementation. Problems are raised as :class:`ImageProblem` with a
machine ``reason`` and its parameters; callers turn them into words in the reader's
language.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

# What we accept, by the format Pillow finds in the bytes (never the file name or header).
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "MPO"})
MAX_EDGE_PX = 2560

# ImageProblem.reason values.
TOO_LARGE = "too_large"  # params: max_bytes
NOT_ACCEPTED = "not_accepted"  # a readable image in a format we do not take
TOO_MANY_PIXELS = "too_many_pixels"  # params: max_pixels
UNREADABLE = "unreadable"
DAMAGED = "damaged"


class ImageProblem(ValueError):
    """The bytes are not a photo we can take."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int


def reencode(
    content: bytes, *, max_bytes: int, max_pixels: int, max_edge: int = MAX_EDGE_PX
) -> CleanImage:
    """A fresh JPEG of the photo, upright, at most ``max_edge`` pixels on its long side."""
    if len(content) > max_bytes:
        raise ImageProblem(TOO_LARGE, max_bytes=max_bytes)
    image = _open(content, max_pixels)
    # Apply the camera's rotation before the EXIF block (and its GPS position) is dropped.
    image = ImageOps.exif_transpose(image)
    image.thumbnail((max_edge, max_edge))
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    # A fresh JPEG carries no metadata unless we pass it: no EXIF, no GPS, no XMP.
    image.save(out, format="JPEG", quality=85, optimize=True)
    return CleanImage(
        content=out.getvalue(),
        content_type="image/jpeg",
        extension="jpg",
        width=image.width,
        height=image.height,
    )


def _open(content: bytes, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            if image.format not in ACCEPTED_FORMATS:
                raise ImageProblem(NOT_ACCEPTED)
            if image.width * image.height > max_pixels:
                raise ImageProblem(TOO_MANY_PIXELS, max_pixels=max_pixels)
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageProblem(UNREADABLE) from None
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageProblem):
            raise
        raise ImageProblem(DAMAGED) from None
    return image


def describe(
    problem: ImageProblem, gettext: Callable[[str], str], group_digits: Callable[[int], str]
) -> str:
    """The problem in the reader's language, as the end of "photo.jpg: ...".

    One wording for every domain that takes photos. This module imports no Django, so the
    caller hands in its ``gettext`` and its number formatting; the literals below are still
    found by ``makemessages``.
    """
    _ = gettext
    if problem.reason == TOO_LARGE:
        return _("the photo is larger than %(size)s") % {"size": _size(problem.params["max_bytes"])}
    if problem.reason == NOT_ACCEPTED:
        return _("the file is not a JPEG, PNG, WebP or GIF image")
    if problem.reason == TOO_MANY_PIXELS:
        return _("the photo has more than %(count)s pixels") % {
            "count": group_digits(problem.params["max_pixels"])
        }
    if problem.reason == UNREADABLE:
        return _("the file is not a readable image")
    return _("the image is damaged or truncated")


def _size(n_bytes: int) -> str:
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):g} MB"
    return f"{max(1, n_bytes // 1024)} KB"
