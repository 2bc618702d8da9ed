"""The assistant's live handover queue: conversations waiting for a person (emergencies
first), and the page where an agent reads the transcript, claims, replies and resolves."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from townhall.assistant import services
from townhall.assistant.models import Handover, HandoverStatus, Sender
from townhall.servicedesk.inputs import InvalidInput
from townhall.staff.forms import AgentReplyForm, ResolveHandoverForm
from townhall.staff.http import actor
from townhall.staff.permissions import HANDOVER_DESK, nav_for, page


def _handover(pk: int) -> Handover:
    return get_object_or_404(Handover.objects.select_related("conversation", "claimed_by"), pk=pk)


def _page(
    request: HttpRequest, handover: Handover, form: AgentReplyForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "staff/handover.html",
        {
            "nav": nav_for(request.user),
            "handover": handover,
            "conversation": handover.conversation,
            "lines": services.transcript(handover.conversation),
            "Sender": Sender,
            "is_open": handover.status != HandoverStatus.RESOLVED,
            "reply_form": form,
            "resolve_form": ResolveHandoverForm(),
        },
        status=status,
    )


@page(HANDOVER_DESK)
def queue(request: HttpRequest) -> HttpResponse:
    handovers = Handover.objects.queue().select_related("claimed_by")
    return render(
        request, "staff/handovers.html", {"nav": nav_for(request.user), "handovers": handovers}
    )


@page(HANDOVER_DESK)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _handover(pk), AgentReplyForm())


@page(HANDOVER_DESK)
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    handover = _handover(pk)
    if handover.status == HandoverStatus.RESOLVED:
        messages.error(request, _("This conversation has already been resolved."))
    else:
        services.claim_handover(actor(request), handover)
        messages.success(request, _("You are answering this conversation."))
    return redirect("staff:handover", pk=handover.pk)


@page(HANDOVER_DESK)
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    handover = _handover(pk)
    form = AgentReplyForm(request.POST)
    if handover.status == HandoverStatus.RESOLVED:
        messages.error(request, _("This conversation has already been resolved."))
        return redirect("staff:handover", pk=handover.pk)
    if not form.is_valid():
        return _page(request, handover, form, status=400)
    try:
        services.agent_reply(actor(request), handover.conversation, form.cleaned_data["text"])
    except InvalidInput as exc:
        for problem in exc.problems:
            form.add_error("text", problem.message)
        return _page(request, handover, form, status=400)
    messages.success(request, _("Your reply was sent."))
    return redirect("staff:handover", pk=handover.pk)


@page(HANDOVER_DESK)
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    handover = _handover(pk)
    form = ResolveHandoverForm(request.POST)
    if handover.status != HandoverStatus.RESOLVED and form.is_valid():
        services.resolve_handover(
            actor(request), handover, back_to_assistant=not form.cleaned_data["close"]
        )
        messages.success(request, _("The conversation is resolved."))
    return redirect("staff:handovers")
