from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossierConfig(AppConfig):
    name = "ptdv.dossier"
    verbose_name = _("Biểu mẫu hồ sơ")
