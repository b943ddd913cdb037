from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "ptdv.reminders"
    label = "reminders"
    verbose_name = "Nhắc việc"
