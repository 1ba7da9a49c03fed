from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reinstall_audit_triggers(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    """Re-create the audit triggers after every migrate: on SQLite, Django rebuilds a table to alter it,
    which drops its triggers, and the triggers list the columns; this keeps both current. Once the community
    columns exist, the triggers record each row's community (treasury/audit.py)."""
    from django.apps import apps
    from django.db import connections

    from treasury.audit import community_triggers_install

    connection = connections[using]
    if "treasury_auditevent" not in connection.introspection.table_names():
        return
    with connection.schema_editor() as schema_editor:
        community_triggers_install(apps, schema_editor)


class TreasuryConfig(AppConfig):
    name = "treasury"
    verbose_name = "Treasury: bank files, reconciliation, reports, payouts, audit trail"

    def ready(self) -> None:
        from treasury import (
            audit,  # noqa: F401  (connects the audit hook to every new connection)
            lookups,  # noqa: F401  (registers `field__any_of`)
        )

        post_migrate.connect(_reinstall_audit_triggers, sender=self, dispatch_uid="treasury_audit_triggers")
