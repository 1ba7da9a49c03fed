from django.apps import AppConfig


class InvestConfig(AppConfig):
    name = "invest"
    verbose_name = "Projects, funds and fairs"
