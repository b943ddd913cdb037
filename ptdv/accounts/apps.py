from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ptdv.accounts"
    label = "accounts"
    verbose_name = "Tài khoản"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import audit, checks, mfa  # noqa: F401 (checks: registers the settings' check)
        from .middleware import start_session

        audit.register_models()
        user_logged_in.connect(start_session, dispatch_uid="ptdv.accounts.start_session")
        # A login by the second step marks the session verified; any other login is "fresh".
        user_logged_in.connect(mfa.on_logged_in, dispatch_uid="ptdv.accounts.mfa")
