"""Photos from residents: sniffed, size-checked, re-encoded, stripped of EXIF and GPS.

The Pillow work is :mod:`townhall.lib.images` (shared with participatory budgeting); this
module reads the limits from settings and words the problems for the person uploading.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from townhall.lib import images
from townhall.lib.images import ACCEPTED_FORMATS, MAX_EDGE_PX, ImageProblem
from townhall.servicedesk.inputs import PhotoInput

__all__ = ["ACCEPTED_FORMATS", "MAX_EDGE_PX", "PhotoError", "clean_photo", "describe_problem"]


class PhotoError(ValueError):
    """The upload is not a photo we can take; the message is for the person uploading."""


def clean_photo(content: bytes) -> PhotoInput:
    limits: dict[str, int] = settings.TOWNHALL
    try:
        clean = images.reencode(
            content,
            max_bytes=limits["MAX_UPLOAD_BYTES"],
            max_pixels=limits["MAX_IMAGE_PIXELS"],
            max_edge=MAX_EDGE_PX,
        )
    except ImageProblem as problem:
        raise PhotoError(describe_problem(problem)) from None
    return PhotoInput(
        content=clean.content,
        content_type=clean.content_type,
        extension=clean.extension,
        width=clean.width,
        height=clean.height,
    )


def describe_problem(problem: ImageProblem) -> str:
    """The problem in the reader's language, as the end of "photo.jpg: ..."."""
    return images.describe(problem, _, lambda n: number_format(n, force_grouping=True))
