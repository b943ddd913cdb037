from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubjectsConfig(AppConfig):
    name = "ptdv.subjects"
    label = "subjects"
    verbose_name = _("Yêu cầu của người có dữ liệu và sự cố dữ liệu")

    def ready(self):
        from auditlog.registry import auditlog

        from ptdv.accounts.audit import org_path_of

        from . import checks, models, signals  # noqa: F401 (checks: registers the check)

        signals.connect()
        # Every write is audited, each entry with the organisation path of the record (scoped
        # like the rest of the audit log, ptdv/accounts/audit.py).
        for model in (
            models.SubjectRequest,
            models.RequestStep,
            models.Incident,
            models.IncidentUpdate,
        ):
            if not hasattr(model, "get_additional_data"):
                model.get_additional_data = lambda self: {"org_path": org_path_of(self)}
            if not auditlog.contains(model):
                auditlog.register(model)
