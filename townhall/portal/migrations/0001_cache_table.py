"""The table behind the database cache, which holds the portal's rate-limit counters.

Every web process must see the same counters, so the default cache is a table in the
application's own database (settings.CACHES). ``createcachetable`` does nothing for other
backends (Redis, local memory in tests) and for a table that already exists; after
switching to a database cache later, run ``townhall createcachetable`` once.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):  # type: ignore[no-untyped-def]
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
