from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Wiring, not a business rule: the role groups follow the code after every migrate.
        from accounts.services import roles_sync

        post_migrate.connect(lambda **kwargs: roles_sync(), weak=False, dispatch_uid="accounts.roles_sync")
