from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "ptdv.inventory"
    label = "inventory"
    verbose_name = _("Danh mục xử lý dữ liệu cá nhân")
