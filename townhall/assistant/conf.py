"""The assistant's settings: ``settings.TOWNHALL["ASSISTANT_..."]`` or the environment."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from townhall.lib import env

DEFAULTS: dict[str, Any] = {
    # "auto": the bundled MiniLM model when installed, else BM25; "minilm"; "none".
    "ASSISTANT_MODEL": env.string("TOWNHALL_ASSISTANT_MODEL", "auto"),
    "ASSISTANT_EMERGENCY_NUMBER": env.string("TOWNHALL_EMERGENCY_NUMBER", "911"),
    "ASSISTANT_MAX_MESSAGE_CHARS": 1000,
    # Transcripts are deleted this many days after the conversation's last message.
    "ASSISTANT_TRANSCRIPT_DAYS": env.integer("TOWNHALL_ASSISTANT_TRANSCRIPT_DAYS", 90),
    # Unclear messages in a row before the conversation goes to a person.
    "ASSISTANT_MAX_UNCLEAR": 2,
    # How often (seconds) a process checks whether the catalogue or articles changed.
    "ASSISTANT_RELOAD_SECONDS": 30,
}


def get(name: str) -> Any:
    return settings.TOWNHALL.get(name, DEFAULTS[name])
