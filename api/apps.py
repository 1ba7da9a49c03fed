from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "JSON API"

    def ready(self) -> None:
        # Registers the OpenAPI extensions for our authentication classes.
        from api import schema  # noqa: F401
