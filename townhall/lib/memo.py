"""A small per-process memo with expiry, for reference data read on every API call.

The Open311 face reads the same jurisdiction and service catalogue on every request; they
change a few times a year. Each worker process keeps them for ``seconds`` (so a change made
through another process shows within that time) and the process that makes a change clears
its copy at once (signals in the owning app). Values must be treated as read-only: threads
of one worker share them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any


class ExpiringMemo:
    def __init__(self, seconds: float, max_entries: int = 256):
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The remembered value for ``key``, or ``compute()`` remembered now. Exceptions
        from ``compute`` are not remembered."""
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = compute()
        if self.seconds > 0:
            with self._lock:
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
                self._entries[key] = (now + self.seconds, value)
        return value

    def clear(self, *args: Any, **kwargs: Any) -> None:
        """Forget everything (signature fits a Django signal receiver)."""
        with self._lock:
            self._entries.clear()
