"""Forms at the portal's edge. Every message a resident can see is translatable.

The service's own questions (Open311 attributes) become ordinary Django fields, so they
get the same labels, hints, error summary and keyboard behaviour as the rest of the form.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from townhall.lib.ids import is_public_id
from townhall.places.models import Area, Jurisdiction
from townhall.servicedesk.inputs import ContactInput, PhotoInput
from townhall.servicedesk.media import PhotoError, clean_photo
from townhall.servicedesk.models import Datatype, Service, ServiceAttribute

MAX_RADIO_CHOICES = 7


class ServiceSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("What is the problem?"),
        help_text=gettext_lazy("A word or two is enough, for example: pothole, rats, graffiti."),
        max_length=100,
        required=False,
    )


def area_choices(jurisdiction: Jurisdiction | None, blank: str) -> list[tuple[str, str]]:
    areas = Area.objects.in_jurisdiction(jurisdiction) if jurisdiction else Area.objects.none()
    return [("", blank), *((a.code, a.name) for a in areas)]


class LocationForm(forms.Form):
    """Where the problem is: a pin (lat/lon, set by the map) or words (address, area)."""

    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    address = forms.CharField(
        label=gettext_lazy("Address or description of the place"),
        help_text=gettext_lazy("For example: 1234 Elm St, or the corner of Oak St and 5th St."),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    area = forms.ChoiceField(label=gettext_lazy("Area"), required=False)

    def __init__(self, *args: Any, jurisdiction: Jurisdiction | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.jurisdiction = jurisdiction
        area_field = self.fields["area"]
        assert isinstance(area_field, forms.ChoiceField)
        area_field.choices = area_choices(jurisdiction, _("I don't know"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None):
            data["lat"] = data["lon"] = None
        if (
            data.get("lat") is None
            and not (data.get("address") or "").strip()
            and not self.has_error("address")
        ):
            self.add_error(
                "address",
                _("Place a pin on the map, or type an address or a description of the place."),
            )
        return data

    def chosen_area(self) -> Area | None:
        code = self.cleaned_data.get("area") if self.is_valid() else None
        if not code or self.jurisdiction is None:
            return None
        return Area.objects.in_jurisdiction(self.jurisdiction).filter(code=code).first()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to ``MAX_PHOTOS`` images, each sniffed, size-checked, re-encoded, stripped."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"})

    def clean(self, data: Any, initial: Any = None) -> tuple[PhotoInput, ...]:
        files: list[UploadedFile] = [f for f in (data or []) if f]
        limit = int(settings.TOWNHALL["MAX_PHOTOS"])
        if len(files) > limit:
            raise forms.ValidationError(
                _("Choose at most %(count)d photos.") % {"count": limit}, code="too_many"
            )
        photos, problems = [], []
        max_bytes = int(settings.TOWNHALL["MAX_UPLOAD_BYTES"])
        for upload in files:
            name = (upload.name or "")[:80]
            try:
                if upload.size is not None and upload.size > max_bytes:
                    # Refused before reading a huge file into memory.
                    size = f"{max_bytes / (1024 * 1024):g} MB"
                    raise PhotoError(_("the photo is larger than %(size)s") % {"size": size})
                photos.append(clean_photo(upload.read()))
            except PhotoError as exc:
                problems.append(_("%(name)s: %(problem)s") % {"name": name, "problem": exc})
        if problems:
            raise forms.ValidationError(problems, code="bad_photo")
        return tuple(photos)


def attribute_field(attribute: ServiceAttribute) -> forms.Field:
    """A form field for one Open311 attribute, by its datatype."""
    common: dict[str, Any] = {
        "label": attribute.localized("description"),
        "required": attribute.required,
        "help_text": attribute.localized("datatype_description"),
    }
    datatype = attribute.datatype
    if datatype == Datatype.SINGLEVALUELIST:
        choices = attribute.localized_values()
        widget = forms.RadioSelect if len(choices) <= MAX_RADIO_CHOICES else forms.Select
        if widget is forms.Select:
            choices = [("", _("Choose one")), *choices]
        return forms.ChoiceField(choices=choices, widget=widget, **common)
    if datatype == Datatype.MULTIVALUELIST:
        return forms.MultipleChoiceField(
            choices=attribute.localized_values(), widget=forms.CheckboxSelectMultiple, **common
        )
    if datatype == Datatype.NUMBER:
        return forms.FloatField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
    if datatype == Datatype.DATETIME:
        return forms.DateTimeField(
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
            **common,
        )
    if datatype == Datatype.TEXT:
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 4}),
            max_length=int(settings.TOWNHALL["MAX_DESCRIPTION_CHARS"]),
            **common,
        )
    return forms.CharField(max_length=1000, **common)


class ReportDetailsForm(forms.Form):
    """Everything after the place: the service's questions, description, photos, contact."""

    description = forms.CharField(
        label=gettext_lazy("Describe the problem"),
        help_text=gettext_lazy("What is wrong, and anything that helps the crew find it."),
        required=False,
        max_length=settings.TOWNHALL["MAX_DESCRIPTION_CHARS"],
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    photos = PhotosField(
        label=gettext_lazy("Photos"),
        required=False,
    )
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    first_name = forms.CharField(
        label=gettext_lazy("First name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=gettext_lazy("Last name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )

    def __init__(self, *args: Any, service: Service, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.service = service
        self.attributes = [a for a in service.attributes.all() if a.variable]
        self.notices = [a for a in service.attributes.all() if not a.variable]
        for attribute in self.attributes:
            self.fields[self.attribute_name(attribute)] = attribute_field(attribute)
        limits = settings.TOWNHALL
        self.fields["photos"].help_text = _(
            "Up to %(count)d photos (JPEG, PNG, WebP or GIF), each up to %(size)d MB. "
            "We remove the location and camera details stored inside photos."
        ) % {
            "count": int(limits["MAX_PHOTOS"]),
            "size": int(limits["MAX_UPLOAD_BYTES"]) // (1024 * 1024),
        }
        if not service.allows_anonymous:
            self.fields["email"].required = True
            self.fields["email"].help_text = _(
                "This service needs a way to reach you. We use it only for this request."
            )
        else:
            self.fields["email"].help_text = _("To get your request number and updates by email.")
        # Field order: the service's questions first, then the resident's own words.
        order = [self.attribute_name(a) for a in self.attributes]
        self.order_fields([*order, "description", "photos"])

    @staticmethod
    def attribute_name(attribute: ServiceAttribute) -> str:
        return f"attr_{attribute.code}"

    def attribute_fields(self) -> list[forms.BoundField]:
        return [self[self.attribute_name(a)] for a in self.attributes]

    def attribute_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for attribute in self.attributes:
            value = self.cleaned_data.get(self.attribute_name(attribute))
            if value in (None, "", []):
                continue
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, float) and value.is_integer():
                value = int(value)
            values[attribute.code] = value
        return values

    def contact(self) -> ContactInput:
        data = self.cleaned_data
        return ContactInput(
            email=data.get("email") or "",
            first_name=(data.get("first_name") or "").strip(),
            last_name=(data.get("last_name") or "").strip(),
            phone=(data.get("phone") or "").strip(),
        )


class TrackForm(forms.Form):
    id = forms.CharField(
        label=gettext_lazy("Request number"),
        help_text=gettext_lazy("It looks like SR-2026-000123. You will find it in your email."),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_id(self) -> str:
        text = self.cleaned_data["id"].strip().upper().replace(" ", "")
        if not is_public_id(text):
            raise forms.ValidationError(
                _("Enter a request number like SR-2026-000123."), code="format"
            )
        return text


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


STATUS_FILTERS = [
    ("open", gettext_lazy("Open")),
    ("closed", gettext_lazy("Closed")),
    ("all", gettext_lazy("Any status")),
]


class BrowseForm(forms.Form):
    service = forms.ChoiceField(label=gettext_lazy("Service"), required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=STATUS_FILTERS, initial="open"
    )
    area = forms.ChoiceField(label=gettext_lazy("Area"), required=False)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def __init__(self, *args: Any, jurisdiction: Jurisdiction | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        services = (
            Service.objects.active().in_jurisdiction(jurisdiction)
            if jurisdiction
            else Service.objects.none()
        )
        service_field = self.fields["service"]
        area_field = self.fields["area"]
        assert isinstance(service_field, forms.ChoiceField)
        assert isinstance(area_field, forms.ChoiceField)
        service_field.choices = [
            ("", _("All services")),
            *sorted(((s.code, s.localized_name) for s in services), key=lambda c: c[1]),
        ]
        area_field.choices = area_choices(jurisdiction, _("All areas"))
