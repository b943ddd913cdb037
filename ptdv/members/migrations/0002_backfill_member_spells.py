# The spells of the members already on record: from their membership fields and the candidacies
# that admitted them (there are no member events yet). Derived data: reversing drops them.

from django.db import migrations


def backfill(apps, schema_editor):
    from ptdv.members.spells import rebuild

    rebuild(registry=apps)


def drop(apps, schema_editor):
    apps.get_model("members", "MemberSpell").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0001_member_events_and_spells'),
        ('pipeline', '0002_candidacy_expiry'),
    ]

    operations = [migrations.RunPython(backfill, drop, elidable=True)]
