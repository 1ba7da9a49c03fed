from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reinstall_pool_community_rule(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    """On SQLite, a table rebuilt by a migration loses its triggers: install the pool-community rule again
    after every migrate."""
    from django.apps import apps
    from django.db import connections

    from invest.pool_community import pool_community_install

    connection = connections[using]
    if connection.vendor != "sqlite":
        return  # PostgreSQL's foreign keys survive a migration; re-adding them would re-check every pool
    with connection.schema_editor() as schema_editor:
        pool_community_install(apps, schema_editor)


class InvestConfig(AppConfig):
    name = "invest"
    verbose_name = "Projects, funds and fairs"

    def ready(self) -> None:
        from invest import pool_community  # noqa: F401  (registers the SQLite functions on every connection)

        post_migrate.connect(_reinstall_pool_community_rule, sender=self, dispatch_uid="invest_pool_community")
