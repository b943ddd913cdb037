from django.apps import AppConfig


class HandoffConfig(AppConfig):
    name = "ptdv.handoff"
    label = "handoff"
    verbose_name = "Bàn giao CSDL đảng viên"
