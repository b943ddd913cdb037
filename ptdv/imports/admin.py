"""The background tasks of the imports (django-tasks' database backend) in the admin.

A task record holds its arguments, return value and traceback, for operators of the whole
installation: installation-wide administrators only, read-only. An import's progress and outcome
are on its own page of the site (``/nhap-du-lieu/<id>/``), scoped like every page.
"""

from django.contrib import admin
from django.utils.html import format_html
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from ptdv.masking import mask_text
from ptdv.org.scope import AdminAccessMixin, admin_site


@admin.register(DBTaskResult, site=admin_site)
class TaskResultAdmin(AdminAccessMixin, DBTaskResultAdmin):
    read_only = True
    installation_wide_only = True

    @admin.display(description="traceback")
    def formatted_traceback(self, obj):
        # An error's text may quote a CCCD ("Key (cccd)=(…)"): masked (ptdv/masking.py).
        return format_html("<pre>{}</pre>", mask_text(obj.traceback)) if obj.traceback else "-"
