"""Text messages through a pluggable sender, chosen by ``TOWNHALL["SMS_BACKEND"]``.

``FileSender`` (the default) writes each message to a file under ``SMS_FILE_PATH`` (like
Django's file email backend), ``ConsoleSender`` prints it, and ``TwilioSender`` posts it to
Twilio's REST API (``/2010-04-01/Accounts/{sid}/Messages.json``); any provider with an
HTTP API fits the same three-line interface.
"""

from __future__ import annotations

import base64
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsError(RuntimeError):
    """The provider did not accept the message; the worker retries later."""


class Sender(Protocol):
    def send(self, to: str, body: str) -> str:
        """Send one message; returns the provider's id for it. Raises SmsError."""
        ...


def get_sender() -> Sender:
    return import_string(settings.TOWNHALL["SMS_BACKEND"])()  # type: ignore[no-any-return]


class FileSender:
    def send(self, to: str, body: str) -> str:
        folder = Path(settings.TOWNHALL["SMS_FILE_PATH"])
        folder.mkdir(parents=True, exist_ok=True)
        ref = uuid.uuid4().hex
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        (folder / f"{stamp}-{ref}.txt").write_text(f"To: {to}\n\n{body}\n", encoding="utf-8")
        return ref


class ConsoleSender:
    def send(self, to: str, body: str) -> str:
        sys.stdout.write(f"SMS to {to}: {body}\n")
        return uuid.uuid4().hex


class TwilioSender:
    """Twilio's Messages API: form-encoded POST with HTTP basic auth (account SID, token)."""

    timeout = 10

    def __init__(self) -> None:
        conf = settings.TOWNHALL
        self.base = str(conf["TWILIO_API_BASE"]).rstrip("/")
        self.sid = str(conf["TWILIO_ACCOUNT_SID"])
        self.token = str(conf["TWILIO_AUTH_TOKEN"])
        self.sender = str(conf["TWILIO_FROM"])
        if not (self.sid and self.token and self.sender):
            raise SmsError("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM must be set")
        if not self.base.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise SmsError("TWILIO_API_BASE must be an https:// URL")

    def send(self, to: str, body: str) -> str:
        url = f"{self.base}/2010-04-01/Accounts/{urllib.parse.quote(self.sid)}/Messages.json"
        data = urllib.parse.urlencode({"To": to, "From": self.sender, "Body": body}).encode()
        auth = base64.b64encode(f"{self.sid}:{self.token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310  (scheme checked in __init__)
            url, data=data, method="POST", headers={"Authorization": f"Basic {auth}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = json.loads(response.read().decode() or "{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:200]
            raise SmsError(f"provider answered {exc.code}: {detail}") from exc
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise SmsError(f"provider unreachable: {exc}") from exc
        if payload.get("status") == "failed" or payload.get("error_code"):
            raise SmsError(f"provider refused: {payload.get('error_message') or payload}")
        return str(payload.get("sid", ""))
