"""The database cache table of the rate limits (settings.CACHES["ratelimit"], cadran_cache).

``manage.py createcachetable`` does the same; a migration makes sure every install that
runs ``migrate`` (the demo, the CI, a server) has it. Idempotent: an existing table is kept.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_second_factor")]

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=True),
    ]
