from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "ptdv.members"
    label = "members"
    verbose_name = _("Biến động đảng viên")

    def ready(self):
        from . import signals

        signals.connect()
