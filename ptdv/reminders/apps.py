"""Reminders that reach people: the e-mail digest and the calendar feed of deadlines."""

from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "ptdv.reminders"
    label = "reminders"
    verbose_name = "Nhắc việc"

    def ready(self):
        from . import checks  # noqa: F401 (registers the system checks)
