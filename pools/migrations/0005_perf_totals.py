"""Copy each payment match's pool onto the match (money received sums per pool without a join),
and index pledges for the reconciliation's distinct savers and refunded pledges."""

import django.db.models.deletion
from django.db import migrations, models


def fill_allocation_pool(apps, schema_editor):
    schema_editor.execute(
        "UPDATE pools_paymentallocation SET pool_id = "
        "(SELECT p.pool_id FROM pools_pledge p WHERE p.id = pools_paymentallocation.pledge_id)"
    )
    if schema_editor.connection.vendor == "postgresql":
        # Run the deferred foreign key checks now, so the column can be made NOT NULL in this transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("pools", "0004_workers_totals_without_db_fk"),
    ]

    operations = [
        migrations.AddField(
            model_name="paymentallocation",
            name="pool",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="pools.pool",
            ),
        ),
        migrations.RunPython(fill_allocation_pool, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="paymentallocation",
            name="pool",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="pools.pool",
            ),
        ),
        migrations.AddIndex(
            model_name="pledge",
            index=models.Index(
                condition=models.Q(
                    ("saver__isnull", False),
                    ("status__in", ("pledged", "confirmed", "partly_fulfilled", "fulfilled")),
                ),
                fields=["pool", "saver"],
                name="pledge_active_saver_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="pledge",
            index=models.Index(condition=models.Q(("status", "refunded")), fields=["pool"], name="pledge_refunded_pool_idx"),
        ),
    ]
