"""Passwordless sign-in for residents, and their own requests."""

from __future__ import annotations

from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from townhall.accounts import ratelimit
from townhall.accounts.models import User
from townhall.accounts.services import redeem_sign_in_link, request_sign_in_link
from townhall.portal.access import actor_for, language_of
from townhall.portal.forms import EmailForm
from townhall.portal.views.errors import too_many_requests
from townhall.servicedesk.models import Follow, ServiceRequest

SESSION_NEXT = "portal.next"


def sign_in(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = EmailForm(request.POST)
        if form.is_valid():
            if ratelimit.exceeded(request, "sign_in"):
                return too_many_requests(request)
            request_sign_in_link(
                actor_for(request), form.cleaned_data["email"], language_of(request)
            )
            return render(
                request, "portal/account/link_sent.html", {"email": form.cleaned_data["email"]}
            )
    else:
        form = EmailForm()
        target = request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            request.session[SESSION_NEXT] = target
    return render(request, "portal/account/sign_in.html", {"form": form})


def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST signs in: mail scanners that open links use no tokens."""
    if request.method == "POST":
        user = redeem_sign_in_link(actor_for(request), token)
        if user is None:
            return render(request, "portal/account/link_invalid.html", status=400)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        target = request.session.pop(SESSION_NEXT, "") or ""
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            target = ""
        return redirect(target or "portal:my_requests")
    return render(request, "portal/account/link_confirm.html")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:home")


@login_required
def my_requests(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    mine = (
        ServiceRequest.objects.reported_by(user.email, str(user.pk))
        .with_related()
        .select_related("area")
        .order_by("-requested_at")[:100]
    )
    follows = (
        Follow.objects.filter(email__iexact=user.email)
        .select_related("request__service")
        .order_by("-created_at")[:100]
        if user.email
        else []
    )
    return render(request, "portal/account/my_requests.html", {"mine": mine, "follows": follows})
