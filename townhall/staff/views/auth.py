"""Staff sign-in: password (throttled by django-axes), then a TOTP code or a recovery code.

First-time staff enrol an authenticator app (QR code or typed key) and receive ten
one-time recovery codes.
"""

from __future__ import annotations

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from townhall.accounts.services import (
    confirm_totp_enrolment,
    new_recovery_codes,
    start_totp_enrolment,
    verify_second_factor,
)
from townhall.staff.forms import TokenForm
from townhall.staff.http import actor, safe_next
from townhall.staff.permissions import EVERYONE_IN_BACK_OFFICE, PUBLIC, page


def _after_login(request: HttpRequest) -> str:
    return safe_next(request, reverse("staff:queue"))


@page(PUBLIC)
@never_cache
def login(request: HttpRequest) -> HttpResponse:
    form = AuthenticationForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if not getattr(user, "is_back_office", False):
            form.add_error(
                None, _("This sign-in is for city staff. Residents sign in on the portal.")
            )
        else:
            auth_login(request, user)
            step = "staff:verify" if user_has_device(user) else "staff:setup"
            return redirect(f"{reverse(step)}?{urlencode({'next': _after_login(request)})}")
    return render(
        request,
        "staff/login.html",
        {"form": form, "next": _after_login(request), "expired": request.GET.get("expired")},
    )


@page(EVERYONE_IN_BACK_OFFICE, verified=False)
@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_verified():  # type: ignore[union-attr]
        return redirect(_after_login(request))
    if not user_has_device(user):
        return redirect("staff:setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = verify_second_factor(actor(request), user, form.cleaned_data["token"])  # type: ignore[arg-type]
        if device is not None:
            request.session.cycle_key()
            otp_login(request, device)
            return redirect(_after_login(request))
        form.add_error(
            "token",
            _("That code did not work. Check the time on your phone, or use a recovery code."),
        )
    return render(request, "staff/verify.html", {"form": form, "next": _after_login(request)})


def _pending_device(request: HttpRequest) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("-pk").first()


@page(EVERYONE_IN_BACK_OFFICE, verified=False)
@never_cache
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator. With one already, only a verified session may replace it."""
    user = request.user
    if user_has_device(user) and not user.is_verified():  # type: ignore[union-attr]
        return redirect("staff:verify")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = confirm_totp_enrolment(actor(request), user, form.cleaned_data["token"])  # type: ignore[arg-type]
        if codes is not None:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            request.session.cycle_key()
            otp_login(request, device)
            return render(request, "staff/recovery_codes.html", {"codes": codes, "fresh": True})
        form.add_error(
            "token", _("That code did not work. Scan the code again and enter the newest one.")
        )
    device = _pending_device(request)
    if device is None:
        device = start_totp_enrolment(actor(request), user)  # type: ignore[arg-type]
    key = b32encode(device.bin_key).decode()
    grouped = " ".join(key[i : i + 4] for i in range(0, len(key), 4))
    return render(request, "staff/setup.html", {"form": form, "key": grouped})


@page(EVERYONE_IN_BACK_OFFICE, verified=False)
@never_cache
def qr_code(request: HttpRequest) -> HttpResponse:
    """The pending authenticator's QR code as SVG (a file, as the page's CSP wants)."""
    device = _pending_device(request)
    if device is None:
        raise Http404
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return HttpResponse(image.to_string(), content_type="image/svg+xml")


@page(EVERYONE_IN_BACK_OFFICE)
@never_cache
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        codes = new_recovery_codes(actor(request), request.user)  # type: ignore[arg-type]
        return render(request, "staff/recovery_codes.html", {"codes": codes, "fresh": True})
    return render(request, "staff/recovery_codes.html", {"codes": None})


@page(PUBLIC)
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return redirect("staff:login")
