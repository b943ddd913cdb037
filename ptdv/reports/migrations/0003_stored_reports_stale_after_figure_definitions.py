"""The stored reports computed before these definitions are stale: delete them all (what
``ptdv.reports.stored.invalidate()`` does, on the historical model). Changed: new village cells
(structure), the rules' age at 29 February and the Youth Union membership and "local" on the
admission day (new members, members, targets), the label "Công nhân kỹ thuật, nhân viên nghiệp
vụ" and numbers grouped in the notes. Each is computed again when next asked for."""

from django.db import migrations


def invalidate_stored_reports(apps, schema_editor):
    apps.get_model("reports", "StoredReport").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_stagestay_storedreport"),
        ("people", "0008_professional_level_technical_worker_or_clerk"),
    ]

    operations = [
        migrations.RunPython(invalidate_stored_reports, migrations.RunPython.noop, elidable=True),
    ]
