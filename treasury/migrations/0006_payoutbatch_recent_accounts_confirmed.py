"""When the approver confirmed lines paying to recently changed refund accounts.

SQLite rebuilds the table to add the column, which drops its audit triggers (and they list the
columns): they are installed again afterwards, and again when going back."""

from django.db import migrations, models

from treasury.audit import triggers_install


class Migration(migrations.Migration):

    dependencies = [
        ('treasury', '0005_refund_account_audit'),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, triggers_install, elidable=False),
        migrations.AddField(
            model_name='payoutbatch',
            name='recent_accounts_confirmed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(triggers_install, migrations.RunPython.noop, elidable=False),
    ]
