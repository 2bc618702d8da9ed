"""Typed helpers that read settings from the environment.

A secret may also come from a file: ``SECRET_KEY_FILE=/run/secrets/key`` wins over
``SECRET_KEY``, which keeps secrets out of process listings and shell history.
"""

from __future__ import annotations

import os
from pathlib import Path


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


def string(name: str, default: str | None = None) -> str | None:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def required(name: str) -> str:
    value = string(name)
    if value is None:
        raise ConfigError(f"{name} must be set (or {name}_FILE) in production")
    return value


def boolean(name: str, default: bool = False) -> bool:
    value = string(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def integer(name: str, default: int) -> int:
    value = string(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from exc


def string_list(name: str, default: list[str]) -> list[str]:
    value = string(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]
