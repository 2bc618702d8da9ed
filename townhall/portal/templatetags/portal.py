"""Accessible form rendering: labels, hints, errors tied to fields, an error summary."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.utils.translation import gettext as _

register = template.Library()

GROUP_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


def anchor(bf: forms.BoundField) -> str:
    """The id of the element an error summary link should move focus to."""
    if isinstance(bf.field.widget, GROUP_WIDGETS):
        return f"{bf.auto_id}_0"
    return str(bf.auto_id)


@register.inclusion_tag("portal/includes/field.html")
def field(bf: forms.BoundField, optional_label: bool = True, **attrs: Any) -> dict[str, Any]:
    """One field with its label, hint and error, wired with aria-describedby/aria-invalid."""
    is_group = isinstance(bf.field.widget, GROUP_WIDGETS)
    hint_id, error_id = f"{bf.auto_id}-hint", f"{bf.auto_id}-error"
    described = [i for i, on in ((hint_id, bf.help_text), (error_id, bf.errors)) if on]
    widget_attrs = bf.field.widget.attrs
    widget_attrs.update(attrs)
    if bf.errors:
        widget_attrs["aria-invalid"] = "true"
    if described and not is_group:
        widget_attrs["aria-describedby"] = " ".join(described)
    return {
        "bf": bf,
        "is_group": is_group,
        "is_checkbox": isinstance(bf.field.widget, forms.CheckboxSelectMultiple),
        "hint_id": hint_id,
        "error_id": error_id,
        "describedby": " ".join(described),
        "optional": optional_label and not bf.field.required,
    }


@register.inclusion_tag("portal/includes/error_summary.html")
def error_summary(*forms_: forms.Form | None, location_anchor: str = "") -> dict[str, Any]:
    """Every error on the page, in field order, each a link to its field."""
    items: list[tuple[str, str]] = []
    for form in forms_:
        if form is None or not form.is_bound or not form.errors:
            continue
        for message in form.non_field_errors():
            items.append((location_anchor or "main", str(message)))
        for bf in form:
            for message in bf.errors:
                # The summary names the field: "This field is required" alone says not which.
                label = str(bf.label or "")
                text = _("%(field)s — %(error)s") % {"field": label, "error": message}
                items.append((anchor(bf), text if label else str(message)))
    return {"items": items, "title": _("There is a problem")}


@register.filter
def field_anchor(bf: forms.BoundField) -> str:
    return anchor(bf)
