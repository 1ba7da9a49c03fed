"""Audit triggers on the money tables, for PostgreSQL and SQLite (see treasury/audit.py).

On SQLite the trigger lists the columns of each table as of this migration; a later migration that
adds a column to an audited table should run `treasury.audit.triggers_install` again.
"""

from django.db import migrations

from treasury.audit import triggers_install, triggers_remove


class Migration(migrations.Migration):
    dependencies = [
        ("pools", "0001_initial"),
        ("treasury", "0001_treasury_initial"),
    ]

    operations = [
        migrations.RunPython(triggers_install, triggers_remove, elidable=False),
    ]
