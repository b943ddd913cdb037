from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ptdv.accounts"
    label = "accounts"
    verbose_name = "Tài khoản"

    def ready(self):
        from . import audit

        audit.register_models()
