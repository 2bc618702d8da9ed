"""Public, per-area pages: an Atom feed of new requests and email alerts (issue 3).

Anyone may read the feed or ask for alerts; nothing personal is published, and sensitive
services appear without place or description. These are residents' pages and belong with
the portal in the long run; they live here until the portal takes them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from townhall.accounts import ratelimit
from townhall.places.models import Area, Jurisdiction
from townhall.servicedesk.models import AreaFollow, ServiceRequest
from townhall.servicedesk.notifications import public_summary, track_url
from townhall.servicedesk.services import confirm_area_follow, follow_area, unfollow_area
from townhall.staff.http import actor
from townhall.staff.permissions import PUBLIC, page

FEED_ITEMS = 50


def _area(code: str) -> Area:
    jurisdiction = Jurisdiction.objects.default()
    if jurisdiction is None:
        raise Http404
    return get_object_or_404(Area, jurisdiction=jurisdiction, code=code)


class AreaFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, code: str) -> Area:  # type: ignore[override]
        return _area(code)

    def title(self, area: Area) -> str:
        return _("New requests in %(area)s") % {"area": area.name}

    def link(self, area: Area) -> str:
        return f"/areas/{area.code}/follow/"

    def subtitle(self, area: Area) -> str:
        return _("Problems reported to the city in %(area)s, newest first.") % {"area": area.name}

    def items(self, area: Area) -> Any:
        return (
            ServiceRequest.objects.filter(area=area)
            .select_related("service")
            .order_by("-requested_at", "-pk")[:FEED_ITEMS]
        )

    def item_title(self, item: ServiceRequest) -> str:
        return public_summary(item)[0]

    def item_description(self, item: ServiceRequest) -> str:
        return f"{item.get_status_display()}. {public_summary(item)[1]}"

    def item_link(self, item: ServiceRequest) -> str:
        return track_url(item)

    def item_pubdate(self, item: ServiceRequest) -> Any:
        return item.requested_at

    def item_updateddate(self, item: ServiceRequest) -> Any:
        return item.updated_at


feed = page(PUBLIC)(AreaFeed())


class FollowAreaForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Your email address"))


@page(PUBLIC)
def follow(request: HttpRequest, code: str) -> HttpResponse:
    area = _area(code)
    form = FollowAreaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Every sign-up mails a confirmation link to the address typed in: without a limit
        # this page would send any number of emails to anyone (the portal's follow limit).
        if ratelimit.exceeded(request, "follow"):
            return render(request, "staff/public/too_many.html", {"area": area}, status=429)
        follow_area(
            actor_or_anonymous(request), area, form.cleaned_data["email"], get_language() or ""
        )
        return render(request, "staff/public/follow_sent.html", {"area": area})
    return render(request, "staff/public/follow.html", {"area": area, "form": form})


def actor_or_anonymous(request: HttpRequest) -> Any:
    from townhall.lib.actors import Actor

    if request.user.is_authenticated:
        return actor(request)
    return Actor(label="anonymous", ip=request.META.get("REMOTE_ADDR") or None)


@page(PUBLIC)
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    found = AreaFollow.objects.from_link(token, "confirm")
    if found is None:
        raise Http404
    if request.method == "POST":
        confirm_area_follow(actor_or_anonymous(request), found)
        return render(request, "staff/public/follow_done.html", {"area": found.area, "on": True})
    return render(request, "staff/public/follow_confirm.html", {"follow": found, "on": True})


@page(PUBLIC)
def stop(request: HttpRequest, token: str) -> HttpResponse:
    found = AreaFollow.objects.from_link(token, "stop")
    if found is None:
        raise Http404
    if request.method == "POST":
        area = found.area
        unfollow_area(actor_or_anonymous(request), found)
        return render(request, "staff/public/follow_done.html", {"area": area, "on": False})
    return render(request, "staff/public/follow_confirm.html", {"follow": found, "on": False})
