"""A pytest plugin: every call of a service function that writes must also audit.

Every public function in every ``townhall/*/services.py`` is a service (DESIGN.md:
writes go through them, each with one audit event), including those an app's
``services.py`` re-exports from its own modules (budgeting keeps its verbs in ideas.py,
voting.py, ...). While each test runs, a database execute
wrapper looks at every INSERT, UPDATE and DELETE: it notes which service calls are on the
Python stack, and whether they appended to the audit trail. A service call that wrote and
did not audit fails the test that made it, naming the function. Because it watches what
the code does rather than how it looks, it also catches writes hidden in helpers.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
from types import CodeType, FrameType
from typing import Any

import pytest
from django.db import connections

import townhall

# Tables whose writes are not the service's business data: the trail itself, the task
# queue (django-tasks-db's rows), sessions, and django-axes' own counters.
NOT_DATA = re.compile(r"^(audit_auditevent|django_tasks_database_.*|django_session|axes_.*)$")
AUDIT_TABLE = "audit_auditevent"
WRITE = re.compile(
    r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)"?', re.IGNORECASE
)


def service_functions() -> dict[CodeType, str]:
    found: dict[CodeType, str] = {}
    for info in pkgutil.walk_packages(townhall.__path__, "townhall."):
        if not info.name.endswith(".services"):
            continue
        module = importlib.import_module(info.name)
        app = module.__name__.rsplit(".", 1)[0] + "."
        for name, obj in vars(module).items():
            public = not name.startswith("_")
            if public and inspect.isfunction(obj) and obj.__module__.startswith(app):
                found[obj.__code__] = f"{obj.__module__}.{name}"
    return found


class Guard:
    def __init__(self, watched: dict[CodeType, str]):
        self.watched = watched
        # frame -> [function name, wrote, audited]; frames are kept alive so ids are unique.
        self.calls: dict[int, list[Any]] = {}
        self.frames: list[FrameType] = []

    def _service_frames(self) -> list[FrameType]:
        frames = []
        frame: FrameType | None = sys._getframe(2)
        while frame is not None:
            if frame.f_code in self.watched:
                frames.append(frame)
            frame = frame.f_back
        return frames

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        match = WRITE.match(sql)
        if match:
            table = match.group(1)
            for frame in self._service_frames():
                entry = self.calls.get(id(frame))
                if entry is None:
                    entry = self.calls[id(frame)] = [self.watched[frame.f_code], False, False]
                    self.frames.append(frame)
                if table == AUDIT_TABLE:
                    entry[2] = True
                elif not NOT_DATA.match(table):
                    entry[1] = True
        return execute(sql, params, many, context)

    def violations(self) -> list[str]:
        return sorted(
            {name for name, wrote, audited in self.calls.values() if wrote and not audited}
        )

    def reset(self) -> None:
        self.calls.clear()
        self.frames.clear()


_WATCHED: dict[CodeType, str] | None = None


@pytest.fixture(autouse=True)
def audit_guard(request: pytest.FixtureRequest) -> Any:
    global _WATCHED
    if _WATCHED is None:
        _WATCHED = service_functions()
    guard = Guard(dict(_WATCHED))
    wrappers = []
    for alias in connections:
        cm = connections[alias].execute_wrapper(guard)
        cm.__enter__()
        wrappers.append(cm)
    try:
        yield guard
    finally:
        for cm in reversed(wrappers):
            cm.__exit__(None, None, None)
    missing = guard.violations()
    guard.reset()
    if missing:
        pytest.fail(
            "service functions wrote without an audit event: " + ", ".join(missing), pytrace=False
        )
