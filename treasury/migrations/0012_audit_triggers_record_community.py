"""The audit triggers record the community of every row they audit (pledge -> pool -> community, payment ->
bank-file line -> bank file -> community or its first match's pool, payout line -> batch, ...), on
PostgreSQL (per row and per statement) and SQLite; a payment's earlier rows get theirs when its bank-file
line or first match is written. See treasury/audit.py (AUDIT_COMMUNITY_SQL)."""

from django.db import migrations

from treasury.audit import community_triggers_install, community_triggers_remove


class Migration(migrations.Migration):
    dependencies = [
        ("treasury", "0011_merge_0009_community_0010_audit_inserts_per_statement"),
        ("pools", "0013_pool_community"),
        ("invest", "0006_community"),
    ]

    operations = [
        migrations.RunPython(community_triggers_install, community_triggers_remove, elidable=False),
    ]
