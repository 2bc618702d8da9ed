"""Check a request: find it by number, see its public timeline, follow it by email."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from townhall.accounts import ratelimit
from townhall.portal.access import actor_for, language_of
from townhall.portal.forms import EmailForm, TrackForm
from townhall.portal.views.errors import too_many_requests
from townhall.servicedesk.models import Follow, Media, ServiceRequest, attribute_display
from townhall.servicedesk.services import confirm_follow, follow_request, unfollow

# Timeline notes the system writes in English; shown translated.
SYSTEM_NOTES = {gettext_noop("Request received")}


def find(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.GET or None)
    if form.is_bound and form.is_valid():
        public_id = form.cleaned_data["id"]
        if ServiceRequest.objects.filter(public_id=public_id).exists():
            return redirect("portal:request", public_id)
        form.add_error(
            "id",
            _("We could not find request %(id)s. Check the number and try again.")
            % {"id": public_id},
        )
    return render(request, "portal/track/find.html", {"form": form})


def detail(
    request: HttpRequest, public_id: str, follow_form: EmailForm | None = None
) -> HttpResponse:
    report = get_object_or_404(
        ServiceRequest.objects.with_related().select_related("area", "parent"),
        public_id=public_id,
    )
    sensitive = report.service.is_sensitive
    timeline = [
        (u, _public_note(u.description, sensitive)) for u in report.updates.filter(is_public=True)
    ]
    user = request.user
    following = (
        user.is_authenticated
        and bool(user.email)
        and report.follows.filter(email__iexact=user.email).exists()
    )
    return render(
        request,
        "portal/track/detail.html",
        {
            "report": report,
            "sensitive": sensitive,
            "timeline": timeline,
            "answers": [] if sensitive else attribute_display(report.service, report.attributes),
            "photos": [] if sensitive else list(report.media.all()),
            "follow_form": follow_form or EmailForm(),
            "following": following,
        },
        status=400 if follow_form is not None else 200,
    )


def _public_note(text: str, sensitive: bool) -> str:
    """A timeline entry's words as the public may read them. Staff notes on a sensitive
    request can name or place a person, so only the standard notes are shown there (the
    Open311 API hides them the same way)."""
    if text in SYSTEM_NOTES:
        return _(text)
    return "" if sensitive else text


@require_POST
def follow(request: HttpRequest, public_id: str) -> HttpResponse:
    report = get_object_or_404(ServiceRequest, public_id=public_id)
    user = request.user
    if user.is_authenticated and user.email and "email" not in request.POST:
        email = user.email
    else:
        form = EmailForm(request.POST)
        if not form.is_valid():
            return detail(request, public_id, follow_form=form)
        email = form.cleaned_data["email"]
    if ratelimit.exceeded(request, "follow"):
        return too_many_requests(request)
    made = follow_request(actor_for(request), report, email, language_of(request))
    if made.confirmed_at:
        messages.success(
            request, _("You are following this request. We will email you when it changes.")
        )
    else:
        messages.success(
            request,
            _("Check your email: open the link we sent to %(email)s to start getting updates.")
            % {"email": email},
        )
    return redirect("portal:request", public_id)


def _follow_page(request: HttpRequest, token: str, purpose: str) -> HttpResponse:
    found = Follow.objects.from_link(token, purpose)
    template = f"portal/track/follow_{purpose}.html"
    if found is None:
        return render(request, "portal/track/follow_invalid.html", status=404)
    if request.method == "POST":
        if purpose == "confirm":
            confirm_follow(actor_for(request), found)
            messages.success(request, _("Thank you. We will email you when this request changes."))
            return redirect("portal:request", found.request.public_id)
        unfollow(actor_for(request), found)
        return render(request, "portal/track/follow_stopped.html", {"report": found.request})
    return render(request, template, {"follow": found, "report": found.request})


def photo(request: HttpRequest, media_id: int) -> FileResponse:
    """A request's photo, unless its service is sensitive (those are never published)."""
    media = get_object_or_404(
        Media.objects.select_related("request__service"),
        pk=media_id,
        request__service__is_sensitive=False,
    )
    response = FileResponse(media.file.open("rb"), content_type=media.content_type)
    patch_cache_control(response, public=True, max_age=86400)
    return response


def follow_confirm(request: HttpRequest, token: str) -> HttpResponse:
    return _follow_page(request, token, "confirm")


def follow_stop(request: HttpRequest, token: str) -> HttpResponse:
    return _follow_page(request, token, "unfollow")
