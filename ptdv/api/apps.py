from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ptdv.api"
    label = "api"
    verbose_name = "API"
