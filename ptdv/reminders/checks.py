"""System checks of the reminders' settings: a wrong hour or site address stops ``ptdv check``
(and the worker) with a message instead of mails with dead links.

- ``reminders.E001``: ``PTDV_REMINDER_HOUR`` is not -1 nor an hour of 0 to 23.
- ``reminders.E002``: ``PTDV_SITE_URL`` is not an ``http(s)://`` address.
- ``reminders.W001`` (deployment checks only): the site address names no real host (the
  development default, or a wildcard of ``ALLOWED_HOSTS`` taken as the default), so the links of
  the mails and calendar feeds lead nowhere.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register()
def reminder_settings(app_configs, **kwargs):
    problems = []
    hour = settings.PTDV_REMINDER_HOUR
    if not (hour == -1 or 0 <= hour <= 23):
        problems.append(
            Error(
                f"PTDV_REMINDER_HOUR={hour}: phải là một giờ từ 0 đến 23, hoặc -1 để không gửi.",
                id="reminders.E001",
            )
        )
    if not settings.PTDV_SITE_URL.startswith(("http://", "https://")):
        problems.append(
            Error(
                "PTDV_SITE_URL phải là địa chỉ của trang, bắt đầu bằng https://",
                id="reminders.E002",
            )
        )
    return problems


@register(Tags.security, deploy=True)
def reminder_site_url(app_configs, **kwargs):
    host = settings.PTDV_SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    if host in ("localhost", "127.0.0.1", "") or "*" in host or host.startswith("."):
        return [
            Warning(
                "PTDV_SITE_URL chưa đặt địa chỉ thật của trang: đường dẫn trong thư nhắc việc và "
                "lịch sẽ không mở được.",
                id="reminders.W001",
            )
        ]
    return []
