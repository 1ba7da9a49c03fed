"""PostgreSQL: audit rows can be added, never changed or deleted (see treasury/audit.py)."""

from django.db import migrations

from treasury.audit import append_only_install, append_only_remove


class Migration(migrations.Migration):
    dependencies = [("treasury", "0002_treasury_audit_triggers")]

    operations = [migrations.RunPython(append_only_install, append_only_remove, elidable=False)]
