"""The database refuses a pool outside its project's or micro-fund's community: composite foreign keys on
PostgreSQL, triggers on SQLite (invest/pool_community.py)."""

from django.db import migrations

from invest.pool_community import pool_community_install, pool_community_remove
from treasury.audit import receiver_swish_trigger_install


class Migration(migrations.Migration):
    dependencies = [
        ("invest", "0007_project_fund_id_community_unique"),
        ("pools", "0013_pool_community"),
        ("treasury", "0013_audit_events_fill_community"),
    ]

    operations = [
        migrations.RunPython(pool_community_install, pool_community_remove, elidable=False),
        # SQLite rebuilt invest_project and invest_microfund for their new unique constraints (0007), which
        # dropped their Swish-number audit triggers.
        migrations.RunPython(receiver_swish_trigger_install, migrations.RunPython.noop, elidable=False),
    ]
