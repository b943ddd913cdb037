"""The background tasks of the imports (django-tasks' database backend) in the admin.

A task record holds its arguments, return value and traceback, for operators of the whole
installation: installation-wide administrators only, read-only. An import's progress and outcome
are on its own page of the site (``/nhap-du-lieu/<id>/``), scoped like every page.
"""

from django.contrib import admin
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from ptdv.org.scope import AdminAccessMixin, admin_site


@admin.register(DBTaskResult, site=admin_site)
class TaskResultAdmin(AdminAccessMixin, DBTaskResultAdmin):
    read_only = True
    installation_wide_only = True
