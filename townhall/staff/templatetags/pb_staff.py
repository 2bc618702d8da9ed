"""Template tags of the back office's participatory-budgeting pages."""

from __future__ import annotations

from typing import Any

from django import template

from townhall.budgeting.models import Process
from townhall.staff.views.pb_nav import process_nav

register = template.Library()


@register.simple_tag(takes_context=True)
def pb_process_nav(context: dict[str, Any], process: Process, here: str = "") -> list[Any]:
    """The process's sub-navigation for the person viewing the page."""
    request = context.get("request")
    return process_nav(getattr(request, "user", None), process, here)
