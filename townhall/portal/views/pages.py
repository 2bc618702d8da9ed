"""Home, health check, and the information pages."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from townhall.places.models import Area, Jurisdiction
from townhall.portal.forms import TrackForm
from townhall.privacy.registry import REGISTRY
from townhall.servicedesk.models import ServiceRequest

RECENT = 8

# Journeys other apps add when they are installed and routed: (URL name, title, text).
OPTIONAL_JOURNEYS = (
    (
        "assistant:chat",
        gettext_lazy("Ask a question"),
        gettext_lazy("The 311 assistant answers questions and can help you report."),
    ),
    (
        "budgeting:home",
        gettext_lazy("Have your say"),
        gettext_lazy("Vote on how the city spends part of its budget."),
    ),
    (
        "consultations:home",
        gettext_lazy("Have your say"),
        gettext_lazy("Tell the city what you think about its plans."),
    ),
)


def _optional_journeys() -> list[tuple[str, str, str]]:
    found = []
    for name, title, text in OPTIONAL_JOURNEYS:
        try:
            found.append((reverse(name), str(title), str(text)))
        except NoReverseMatch:
            continue
    return found


# The register names models and fields; residents read these words instead. A test
# fails when the register gains an entry without them, so the notice cannot fall behind.
PLAIN_WORDS = {
    "servicedesk.ReporterContact": (
        gettext_lazy("Your contact details when you report a problem"),
        gettext_lazy("email address, name, phone number, and the app or account you used"),
    ),
    "accounts.User": (
        gettext_lazy("Your account, if you sign in"),
        gettext_lazy("email address and name; staff also have a user name and password"),
    ),
    "audit.AuditEvent": (
        gettext_lazy("The record of who did what"),
        gettext_lazy("the account or app that made a change, and its internet (IP) address"),
    ),
    "servicedesk.ServiceRequest": (
        gettext_lazy("The problem you report"),
        gettext_lazy(
            "description, answers to the service's questions, address and position on the map"
        ),
    ),
    "servicedesk.ServiceRequest:status_notes": (
        gettext_lazy("Notes from staff on a request"),
        gettext_lazy("the latest public note from staff"),
    ),
    "servicedesk.RequestUpdate": (
        gettext_lazy("A request's timeline"),
        gettext_lazy(
            "who changed a request (a staff member's name or the channel) and their notes"
        ),
    ),
    "servicedesk.Follow": (
        gettext_lazy("Following a request"),
        gettext_lazy("email address and language"),
    ),
    "accounts.SignInToken": (
        gettext_lazy("Sign-in links"),
        gettext_lazy("the email address we sent the link to"),
    ),
    "servicedesk.Media": (
        gettext_lazy("Photos"),
        gettext_lazy("the photos you add, re-encoded without location or camera details"),
    ),
    "servicedesk.ServiceRequest:assignee": (
        gettext_lazy("Who works on a request"),
        gettext_lazy("the member of staff a request is assigned to"),
    ),
    "servicedesk.Notification": (
        gettext_lazy("Emails and text messages we send"),
        gettext_lazy("the address or phone number we send to, and the message"),
    ),
    "servicedesk.AreaFollow": (
        gettext_lazy("Alerts about an area"),
        gettext_lazy("the email address that asked for alerts"),
    ),
    "assistant.Conversation": (
        gettext_lazy("Conversations with the assistant"),
        gettext_lazy("what you tell the assistant while it helps you report, and your account"),
    ),
    "assistant.Message": (
        gettext_lazy("Messages to and from the assistant"),
        gettext_lazy("the text of each message and who wrote it"),
    ),
    "assistant.Handover": (
        gettext_lazy("Handing a conversation to a person"),
        gettext_lazy("which member of staff took the conversation over"),
    ),
    "budgeting.Project": (
        gettext_lazy("Ideas for participatory budgeting"),
        gettext_lazy("who proposed an idea, its description and its place"),
    ),
    "budgeting.ProjectPhoto": (
        gettext_lazy("Photos of ideas"),
        gettext_lazy("the photos added to an idea, re-encoded without location or camera details"),
    ),
    "budgeting.Comment": (
        gettext_lazy("Comments on ideas"),
        gettext_lazy("who wrote each comment, and its text"),
    ),
    "budgeting.Support": (
        gettext_lazy("Supporting ideas"),
        gettext_lazy("which ideas you supported"),
    ),
    "budgeting.CensusEntry": (
        gettext_lazy("Who may vote"),
        gettext_lazy(
            "a keyed digest of your identity number, your district, and whether you have voted"
        ),
    ),
    "budgeting.PaperEntry": (
        gettext_lazy("Paper ballots typed in"),
        gettext_lazy("which members of staff typed in each paper ballot"),
    ),
    "budgeting.DeliveryUpdate": (
        gettext_lazy("Updates on a project's delivery"),
        gettext_lazy("the member of staff who posted each update"),
    ),
    "admin.LogEntry": (
        gettext_lazy("Changes in the administration site"),
        gettext_lazy("the administrator who made each change"),
    ),
    "sessions.Session": (
        gettext_lazy("Sessions"),
        gettext_lazy("who is signed in, and your progress through a form"),
    ),
    "otp_totp.TOTPDevice": (
        gettext_lazy("Staff authenticator apps"),
        gettext_lazy("the member of staff and their app's secret key"),
    ),
    "otp_static.StaticDevice": (
        gettext_lazy("Staff recovery codes"),
        gettext_lazy("the member of staff and their one-time recovery codes"),
    ),
    "axes.AccessAttempt": (
        gettext_lazy("Failed staff sign-ins"),
        gettext_lazy("the user name, internet (IP) address and browser"),
    ),
    "axes.AccessLog": (
        gettext_lazy("Staff sign-in log"),
        gettext_lazy("the user name, internet (IP) address and browser"),
    ),
    "axes.AccessFailureLog": (
        gettext_lazy("Staff sign-in failure log"),
        gettext_lazy("the user name, internet (IP) address and browser"),
    ),
}


def _plain_words(model_label: str, fields: tuple[str, ...]) -> tuple[str, str]:
    """Words for a register entry (keyed "app.Model" or, when a model has several
    entries, "app.Model:first_field"); an entry with none yet is described from its model."""
    for key in (f"{model_label}:{fields[0]}" if fields else "", model_label):
        if key in PLAIN_WORDS:
            title, data = PLAIN_WORDS[key]
            return str(title), str(data)
    try:
        model = apps.get_model(model_label)
    except (LookupError, ValueError):
        return model_label, ", ".join(fields)
    names = []
    for name in fields:
        try:
            names.append(str(model._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            names.append(name)
    return str(model._meta.verbose_name).capitalize(), ", ".join(names)


def home(request: HttpRequest) -> HttpResponse:
    city = Jurisdiction.objects.default()
    areas = list(Area.objects.in_jurisdiction(city)) if city else []
    chosen = next((a for a in areas if a.code == request.GET.get("area")), None)
    recent = (
        ServiceRequest.objects.in_jurisdiction(city).public().with_related().select_related("area")
        if city
        else ServiceRequest.objects.none()
    )
    if chosen is not None:
        recent = recent.filter(area=chosen)
    return render(
        request,
        "portal/home.html",
        {
            "areas": areas,
            "chosen_area": chosen,
            "recent": recent.order_by("-requested_at")[:RECENT],
            "track_form": TrackForm(),
            "more": _optional_journeys(),
        },
    )


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/pages/accessibility.html")


def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice, written from the personal-data register so it stays true."""
    entries = []
    titles: set[str] = set()
    for entry in REGISTRY:
        title, data = _plain_words(entry.model, entry.fields)
        if title in titles:  # each section needs its own name (and landmark label)
            title = f"{title} ({data})"
        titles.add(title)
        entries.append(
            {
                "title": title,
                "data": data,
                "purpose": _(entry.purpose),
                "retention": _(entry.retention),
            }
        )
    return render(request, "portal/pages/privacy.html", {"entries": entries})


def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: answers only when the database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
