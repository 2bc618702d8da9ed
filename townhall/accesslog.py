"""gunicorn's access log without credentials.

Open311 clients may put ``api_key`` in the query string (FixMyStreet does on GETs, some
apps on POSTs too), and the access log writes every request line: a key would then sit
in every log file and every system that ships logs. This logger writes the value as
``[redacted]``; everything else in the line stays as gunicorn writes it.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from gunicorn.glogging import Logger

# The parameter as it appears in a query string, percent-encoded or not.
_SECRET = re.compile(r"(?i)((?:^|[?&;])api(?:_|%5f)key=)[^&;\s#]*")


def redact(text: str) -> str:
    return _SECRET.sub(r"\1[redacted]", text)


class RedactingLogger(Logger):  # type: ignore[misc]
    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: datetime.timedelta
    ) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for name in ("r", "q", "f"):
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        return atoms
