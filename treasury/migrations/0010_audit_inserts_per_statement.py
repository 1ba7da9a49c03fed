"""PostgreSQL records inserted rows in the audit trail once per statement (from the statement's new
rows), not with a trigger call per row: the same audit rows, written set-based, so a bank file's COPY
of 100,000 payments is not 100,000 trigger calls. Updates and deletes stay per row. SQLite unchanged."""

from django.db import migrations

from treasury.audit import inserts_per_row_install, triggers_install


class Migration(migrations.Migration):
    dependencies = [
        ("treasury", "0009_bankfile_stored_file"),
    ]

    operations = [
        migrations.RunPython(triggers_install, inserts_per_row_install, elidable=False),
    ]
