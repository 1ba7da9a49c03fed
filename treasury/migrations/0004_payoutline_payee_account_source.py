"""Where a payout line's account came from (the saver's refund account, the payer's account, the pool's
bankgiro), shown to the approving treasurer.

SQLite rebuilds the table to add the column, which drops its audit triggers, and its triggers list the
columns: so they are installed again afterwards (and, going back, again after the column is removed).
PostgreSQL's triggers record whole rows and need nothing."""

from django.db import migrations, models

from treasury.audit import triggers_install


class Migration(migrations.Migration):

    dependencies = [
        ('pools', '0005_perf_totals'),
        ('treasury', '0003_treasury_audit_append_only'),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, triggers_install, elidable=False),
        migrations.AddField(
            model_name='payoutline',
            name='payee_account_source',
            field=models.CharField(blank=True, choices=[('refund_account', "The saver's refund account"), ('payer_account', 'The account the payment came from'), ('beneficiary', "The pool's bankgiro number")], max_length=20),
        ),
        migrations.AddConstraint(
            model_name='payoutline',
            constraint=models.CheckConstraint(condition=models.Q(('payee_account_source', ''), ('payee_account_source__in', ['refund_account', 'payer_account', 'beneficiary']), _connector='OR'), name='payoutline_account_source_valid'),
        ),
        migrations.RunPython(triggers_install, migrations.RunPython.noop, elidable=False),
    ]
