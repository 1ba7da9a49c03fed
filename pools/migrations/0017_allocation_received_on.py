"""A match carries its payment's day (copied, as its pool is), and the covering index of a community's matches holds
it: a report as of a day no longer looks every match's payment up in the national payment index (issue #17's report
at 2M pledges nationally against the same report with its community alone).

Existing matches get their payment's day. That copy is a change of schema, not of money: the matches' audit triggers
are dropped for it (else every match would get an audit row saying its new column was filled) and installed again
last, with the new column (SQLite's triggers list the columns, and it rebuilds the table to make the column NOT NULL,
which drops them anyway)."""

from django.db import migrations, models

from treasury.audit import community_triggers_install

TABLE = "pools_paymentallocation"

FILL = f"""
UPDATE {TABLE} SET received_on = (SELECT p.received_on FROM pools_payment p WHERE p.id = {TABLE}.payment_id)
"""


def audit_triggers_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP TRIGGER IF EXISTS {TABLE}_audit ON "{TABLE}"', params=None)
    else:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_audit_upd", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("pools", "0016_report_cover_indexes"),
        ("treasury", "0014_merge_report_builds_audit_community"),
    ]

    operations = [
        migrations.AddField(
            model_name="paymentallocation",
            name="received_on",
            field=models.DateField(editable=False, null=True, verbose_name="received"),
        ),
        migrations.RunPython(audit_triggers_drop, migrations.RunPython.noop, elidable=False),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="paymentallocation",
            name="received_on",
            field=models.DateField(editable=False, verbose_name="received"),
        ),
        migrations.RemoveIndex(
            model_name="paymentallocation",
            name="allocation_pool_cover_idx",
        ),
        migrations.AddIndex(
            model_name="paymentallocation",
            index=models.Index(
                fields=["pool"],
                include=("amount_ore", "created_at", "received_on", "pledge", "payment"),
                name="allocation_pool_day_cover_idx",
            ),
        ),
        # Both ways: backwards, SQLite rebuilds the table to drop the column, and the triggers list the columns.
        migrations.RunPython(community_triggers_install, community_triggers_install, elidable=False),
    ]
