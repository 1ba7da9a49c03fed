"""Audit trail for where projects and funds are paid by Swish: a trigger on invest_project and
invest_microfund records every change of swish_number (id, name, owner or organiser, old and new
number, who, when) — never the other columns.

On SQLite a migration that rebuilds either table drops its trigger: such a migration must run
receiver_swish_trigger_install again afterwards."""

from django.db import migrations

from treasury.audit import receiver_swish_trigger_install, receiver_swish_trigger_remove


class Migration(migrations.Migration):
    dependencies = [
        ("invest", "0005_merge_20261206_0504"),
        ("treasury", "0007_merge_20261206_0456"),
    ]

    operations = [
        migrations.RunPython(receiver_swish_trigger_install, receiver_swish_trigger_remove, elidable=False),
    ]
