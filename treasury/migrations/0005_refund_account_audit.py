"""Audit trail for refund accounts: a trigger on accounts_user records every change of refund_iban
(id, email, old and new account, who, when) — never the other columns.

On SQLite a migration that rebuilds accounts_user drops this trigger: such a migration must run
refund_account_trigger_install again afterwards."""

from django.db import migrations

from treasury.audit import refund_account_trigger_install, refund_account_trigger_remove


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_refund_iban"),
        ("treasury", "0004_payoutline_payee_account_source"),
    ]

    operations = [
        migrations.RunPython(refund_account_trigger_install, refund_account_trigger_remove, elidable=False),
    ]
