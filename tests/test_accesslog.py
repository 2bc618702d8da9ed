from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from townhall.accesslog import RedactingLogger, redact


def test_api_keys_in_query_strings_are_redacted_and_the_rest_kept():
    assert redact("api_key=th_secret&service_code=POTHOLE") == (
        "api_key=[redacted]&service_code=POTHOLE"
    )
    assert redact("/open311/v2/requests.json?status=open&API%5Fkey=th_x") == (
        "/open311/v2/requests.json?status=open&API%5Fkey=[redacted]"
    )
    assert redact("service_code=POTHOLE&my_api_key=1") == "service_code=POTHOLE&my_api_key=1"


def test_the_access_log_line_carries_no_key():
    logger = RedactingLogger(Config())
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": "/open311/v2/requests.json?api_key=th_secret",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/open311/v2/requests.json",
        "QUERY_STRING": "api_key=th_secret",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, timedelta(0))
    line = logger.cfg.access_log_format % atoms
    assert "th_secret" not in line
    assert "POST /open311/v2/requests.json?api_key=[redacted] HTTP/1.1" in line
