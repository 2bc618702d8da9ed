"""Back-office forms: validation at the edge; views hand the cleaned values to services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from townhall.accounts.models import Role, User
from townhall.places.models import Area
from townhall.servicedesk.models import (
    BusinessCalendar,
    Datatype,
    Department,
    Holiday,
    ResponseTemplate,
    RoutingRule,
    Service,
    ServiceLevel,
    ServiceRequest,
    SlaState,
    Status,
)
from townhall.servicedesk.workflow import allowed_next


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Request number"), required=False, max_length=24)
    service = forms.ModelChoiceField(
        Service.objects.all(), label=_("Service"), required=False, empty_label=_("Any")
    )
    area = forms.ModelChoiceField(
        Area.objects.all(), label=_("Area"), required=False, empty_label=_("Any")
    )
    department = forms.ModelChoiceField(
        Department.objects.all(), label=_("Department"), required=False, empty_label=_("Any")
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open")), ("closed", _("Closed")), ("", _("Any")), *Status.choices],
        initial="open",
    )
    due = forms.ChoiceField(
        label=_("Due"),
        required=False,
        choices=[
            ("", _("Any")),
            (SlaState.AT_RISK, _("At risk")),
            (SlaState.BREACHED, _("Breached")),
            (SlaState.ON_TRACK, _("On track")),
            ("today", _("Due today")),
        ],
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    duplicates = forms.BooleanField(label=_("Possible duplicates only"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        people = User.objects.back_office().exclude(role__in=[Role.AGENT, Role.ANALYST])
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Unassigned")),
            *[(str(u.pk), u.get_full_name() or u.username) for u in people.order_by("username")],
        ]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    public = forms.BooleanField(
        label=_("Public: the reporter and followers see this note"), required=False, initial=True
    )

    def __init__(self, *args: Any, request: ServiceRequest, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["status"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s.value, s.label) for s in allowed_next(request.status)]


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    public = forms.BooleanField(label=_("Public"), required=False)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        User.objects.none(), label=_("Assign to"), required=False, empty_label=_("Unassigned")
    )

    def __init__(self, *args: Any, people: list[User], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=[p.pk for p in people]).order_by("username")


class ServiceForm(forms.Form):
    service = forms.ModelChoiceField(Service.objects.all(), label=_("Service"))


class TransferForm(forms.Form):
    department = forms.ModelChoiceField(Department.objects.all(), label=_("Department"))
    queue = forms.CharField(label=_("Queue"), required=False, max_length=50)


class MergeForm(forms.Form):
    parent = forms.CharField(label=_("Original request number"), max_length=24)


BULK_ACTIONS = [
    ("assign", _("Assign")),
    ("status", _("Change status")),
    ("merge", _("Merge into the original")),
]


class BulkForm(forms.Form):
    ids = forms.ModelMultipleChoiceField(
        ServiceRequest.objects.none(), to_field_name="public_id", label=_("Requests")
    )
    action = forms.ChoiceField(label=_("Action"), choices=BULK_ACTIONS)
    assignee = forms.ModelChoiceField(
        User.objects.none(), required=False, label=_("Assign to"), empty_label=_("Unassigned")
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", "—"), *Status.choices]
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=4000)
    parent = forms.CharField(label=_("Original request number"), required=False, max_length=24)

    def __init__(self, *args: Any, visible: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        ids = self.fields["ids"]
        assert isinstance(ids, forms.ModelMultipleChoiceField)
        ids.queryset = visible
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ModelChoiceField)
        assignee.queryset = User.objects.back_office().exclude(role__in=[Role.AGENT, Role.ANALYST])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == "status" and not data.get("status"):
            self.add_error("status", _("Choose the new status."))
        if action == "merge" and not data.get("parent"):
            self.add_error("parent", _("Give the original request's number."))
        return data


UPDATES_BY = [
    ("email", _("Email")),
    ("sms", _("Text message (SMS)")),
    ("both", _("Email and text message")),
    ("none", _("No updates")),
]


class CallerRequestForm(forms.Form):
    """The agent's one-page form: what, where, who, and how they want to hear back."""

    service = forms.ModelChoiceField(
        Service.objects.active(), label=_("Service"), widget=forms.Select(attrs={"autofocus": True})
    )
    address = forms.CharField(label=_("Address or place"), max_length=500, required=False)
    lat = forms.FloatField(label=_("Latitude"), required=False)
    lon = forms.FloatField(label=_("Longitude"), required=False)
    description = forms.CharField(
        label=_("What the caller says"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    first_name = forms.CharField(label=_("Caller's first name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Caller's last name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Caller's phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Caller's email"), required=False)
    updates_by = forms.ChoiceField(
        label=_("How the caller wants updates"), choices=UPDATES_BY, initial="email"
    )

    def __init__(self, *args: Any, service: Service | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.chosen_service = service
        if service is None:
            return
        for attribute in service.attributes.filter(variable=True):
            name = f"attribute_{attribute.code}"
            label = attribute.localized("description")
            if attribute.datatype == Datatype.SINGLEVALUELIST:
                self.fields[name] = forms.ChoiceField(
                    label=label,
                    required=attribute.required,
                    choices=[("", "—"), *[(v["key"], v["name"]) for v in attribute.values]],
                )
            elif attribute.datatype == Datatype.MULTIVALUELIST:
                self.fields[name] = forms.MultipleChoiceField(
                    label=label,
                    required=attribute.required,
                    choices=[(v["key"], v["name"]) for v in attribute.values],
                    widget=forms.CheckboxSelectMultiple,
                )
            else:
                self.fields[name] = forms.CharField(
                    label=label, required=attribute.required, max_length=4000
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_lat, has_lon = data.get("lat") is not None, data.get("lon") is not None
        if has_lat != has_lon:
            self.add_error("lon", _("Give both latitude and longitude, or neither."))
        if not (has_lat or (data.get("address") or "").strip()):
            self.add_error("address", _("Give an address, or a latitude and longitude."))
        if data.get("updates_by") in {"sms", "both"} and not data.get("phone"):
            self.add_error("phone", _("Text updates need the caller's phone number."))
        wants = data.get("updates_by")
        no_email = not data.get("email")
        if no_email and (wants == "both" or (wants == "email" and not data.get("phone"))):
            self.add_error("email", _("Email updates need the caller's email address."))
        return data

    def attributes(self) -> dict[str, Any]:
        return {
            name.removeprefix("attribute_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("attribute_") and value not in ("", None, [])
        }


class AuditSearchForm(forms.Form):
    actor = forms.CharField(label=_("Who (user name or label)"), required=False, max_length=150)
    action = forms.CharField(
        label=_("Action, e.g. auth.login_failed"), required=False, max_length=80
    )
    subject = forms.CharField(label=_("Request number or object id"), required=False, max_length=64)
    ip = forms.GenericIPAddressField(label=_("From address"), required=False)
    since = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


# --- Settings (administrators) ------------------------------------------------------------


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = [
            "service",
            "area",
            "attribute_code",
            "attribute_value",
            "department",
            "queue",
            "priority",
            "is_active",
            "note",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("attribute_code")) != bool(data.get("attribute_value")):
            self.add_error("attribute_value", _("Give both the attribute and its value."))
        return data


class ServiceLevelForm(forms.ModelForm):
    class Meta:
        model = ServiceLevel
        fields = [
            "service",
            "calendar",
            "target_hours",
            "at_risk_hours",
            "escalate_to",
            "is_active",
        ]


class CalendarForm(forms.ModelForm):
    class Meta:
        model = BusinessCalendar
        fields = ["name", "working_days", "day_start", "day_end"]
        widgets = {
            "day_start": forms.TimeInput(attrs={"type": "time"}),
            "day_end": forms.TimeInput(attrs={"type": "time"}),
        }
        help_texts = {"working_days": _("Digits for the working days: 0 Monday … 6 Sunday.")}

    def clean_working_days(self) -> str:
        days = str(self.cleaned_data["working_days"])
        if not days or any(d not in "0123456" for d in days):
            raise forms.ValidationError(_("Use the digits 0 (Monday) to 6 (Sunday)."))
        return "".join(sorted(set(days)))


class HolidayForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ["calendar", "date", "name"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


class ResponseTemplateForm(forms.ModelForm):
    class Meta:
        model = ResponseTemplate
        fields = ["service", "status", "title", "text", "is_public"]
        help_texts = {"text": _("{public_id} and {service} are filled in.")}


class UserForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    departments = forms.ModelMultipleChoiceField(
        Department.objects.all(),
        label=_("Departments"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    password = forms.CharField(
        label=_("Initial password (new accounts)"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class AgentReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your reply"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )


class ResolveHandoverForm(forms.Form):
    close = forms.BooleanField(
        label=_("Close the conversation (otherwise the resident goes back to the assistant)"),
        required=False,
    )
