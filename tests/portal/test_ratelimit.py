from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from tests.portal.test_report import DETAILS, PIN, answers

DATABASE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "townhall_cache",
    }
}


def test_production_counts_in_a_table_every_web_process_shares(client, city, settings):
    """gunicorn runs several processes: a per-process count would multiply the limit."""
    settings.TOWNHALL = {**settings.TOWNHALL, "RATE_LIMITS": {"report": "2/h"}}
    # Inside the test, so the table is dropped from the cache settings while the
    # database is still open to the test.
    with override_settings(CACHES=DATABASE_CACHE):
        call_command("createcachetable", verbosity=0)
        for _ in range(2):
            assert client.post(DETAILS + PIN, answers()).status_code == 302
        # Another process starts with a cache handle of its own and sees the same count.
        caches.close_all()
        del caches["default"]
        assert client.post(DETAILS + PIN, answers()).status_code == 429
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM townhall_cache")
            assert cursor.fetchone()[0] >= 1
