"""The web chat (a plain form that works without JavaScript) and the article pages.

The conversation is tied to the browser session. Each message is a POST that redirects
back to the transcript (so a reload never sends a message twice); the newest reply is
announced to screen readers by the transcript's live region.
"""

from __future__ import annotations

import html
import re
from xml.sax.saxutils import escape

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from townhall.assistant import conf, services, sms
from townhall.assistant.forms import ChatForm
from townhall.assistant.models import Conversation, KnowledgeArticle, Sender
from townhall.lib.actors import Actor
from townhall.places.models import Jurisdiction
from townhall.servicedesk.inputs import InvalidInput
from townhall.servicedesk.media import PhotoError, clean_photo

SESSION_KEY = "assistant_conversation"


def _actor(request: HttpRequest) -> Actor:
    user = request.user if request.user.is_authenticated else None
    label = f"user:{user.get_username()}" if user else "resident:web-chat"
    return Actor(label=label, user=user, ip=request.META.get("REMOTE_ADDR"), channel="assistant")


def _conversation(request: HttpRequest) -> Conversation | None:
    token = request.session.get(SESSION_KEY)
    if not token:
        return None
    return Conversation.objects.filter(token=token).select_related("jurisdiction").first()


def chat(request: HttpRequest) -> HttpResponse:
    city = Jurisdiction.objects.default()
    if city is None:
        raise Http404("no city yet")
    conversation = _conversation(request)
    form = ChatForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        photo = None
        upload = form.cleaned_data.get("photo")
        try:
            if upload is not None:
                photo = clean_photo(upload.read())
            if conversation is None:
                conversation = services.start_conversation(
                    _actor(request), city, channel="web", language=get_language() or "en"
                )
                request.session[SESSION_KEY] = str(conversation.token)
            services.handle_message(
                _actor(request), conversation, form.cleaned_data.get("message") or "", photo
            )
            return redirect(f"{request.path}#latest")
        except PhotoError as exc:
            form.add_error("photo", str(exc))
        except InvalidInput as exc:
            for problem in exc.problems:
                form.add_error("message", problem.message)
    lines = services.transcript(conversation) if conversation else []
    step = (conversation.state or {}).get("step") if conversation else None
    return render(
        request,
        "assistant/chat.html",
        {
            "form": form,
            "lines": lines,
            "conversation": conversation,
            "asks_photo": step == "photo",
            "with_person": bool(conversation and conversation.status == "handed_over"),
            "Sender": Sender,
            "nav": "assistant",
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def restart(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    return redirect("assistant:chat")


def article(request: HttpRequest, slug: str) -> HttpResponse:
    city = Jurisdiction.objects.default()
    wanted = request.GET.get("lang") or get_language() or "en"
    versions = {
        a.language: a
        for a in KnowledgeArticle.objects.published().filter(jurisdiction=city, slug=slug)
    }
    chosen = versions.get(wanted) or versions.get("en") or next(iter(versions.values()), None)
    if chosen is None:
        raise Http404(_("There is no such article."))
    return render(
        request,
        "assistant/article.html",
        {
            "article": chosen,
            "paragraphs": [_paragraph(p) for p in re.split(r"\n\s*\n", chosen.body) if p.strip()],
            "others": [a for lang, a in sorted(versions.items()) if lang != chosen.language],
        },
    )


def _paragraph(markdown: str) -> str:
    """Escaped text with [links](https://…) made into links; nothing else is interpreted."""
    escaped = html.escape(markdown.strip())
    return re.sub(
        r"\[([^\]]+)\]\((https?://[\w.~:/?#@%+=-]+|/[\w.~:/?#@%+=-]*)\)",
        lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>',
        escaped,
    )


@csrf_exempt
@require_POST
def sms_webhook(request: HttpRequest) -> HttpResponse:
    """Twilio's inbound-message webhook; the answer is TwiML."""
    params = [(key, value) for key in request.POST for value in request.POST.getlist(key)]
    given = request.headers.get("X-Twilio-Signature", "")
    if not sms.signature_ok(request.build_absolute_uri(), params, given):
        return HttpResponse(_twiml(None), status=403, content_type="text/xml")
    city = Jurisdiction.objects.default()
    phone = request.POST.get("From", "").strip()
    if city is None or not phone:
        return HttpResponse(_twiml(None), status=400, content_type="text/xml")
    try:
        answer = sms.handle_sms(phone, request.POST.get("Body", ""), city)
    except InvalidInput:
        answer = _("Please send your message as text, up to %(limit)s characters.") % {
            "limit": conf.get("ASSISTANT_MAX_MESSAGE_CHARS")
        }
    return HttpResponse(_twiml(answer), content_type="text/xml")


def _twiml(text: str | None) -> str:
    message = f"<Message>{escape(text)}</Message>" if text else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{message}</Response>'
