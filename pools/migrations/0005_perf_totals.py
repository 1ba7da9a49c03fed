"""Copy each payment match's pool onto the match (money received sums per pool without a join),
index pledges for the reconciliation's distinct savers and refunded pledges, and keep each pledge's
krona-months in a generated column."""

import django.db.models.deletion
import django.db.models.expressions
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
        migrations.AddField(
            model_name="pledge",
            name="krona_months",
            field=models.GeneratedField(db_persist=True, expression=models.Case(models.When(kind='support_saving', monthly_ore__isnull=False, months__isnull=False, then=django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('monthly_ore'), '*', models.F('months')), '*', django.db.models.expressions.CombinedExpression(models.F('months'), '+', models.Value(1))), '/', models.Value(2)), '/', models.Value(100))), models.When(amount_ore__isnull=False, kind='support_saving', term_months__isnull=False, then=django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('amount_ore'), '*', models.F('term_months')), '/', models.Value(100))), default=models.Value(0), output_field=models.BigIntegerField()), output_field=models.BigIntegerField()),
        ),
    ]
