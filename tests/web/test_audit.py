"""Audit: who changed what, when and from where; the audit page is scoped like everything else."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from ptdv.accounts.models import Role
from ptdv.org.models import Place
from ptdv.pipeline import services
from ptdv.pipeline.models import Event
from ptdv.rules.stages import Step
from tests.base import SYMPATHISER_ON, WorldTestCase, admin_form_data, make_user, populate


class AuditEntryTests(WorldTestCase):
    def test_admin_change_of_a_place_is_audited_with_actor_address_and_changes(self):
        place = self.world.places.tay
        url = f"/quan-tri/org/place/{place.pk}/change/"
        self.client.force_login(self.u.admin)  # only administrators use the admin
        data = admin_form_data(self.client.get(url), name="Thôn Tây Mới", kind="school")
        before = LogEntry.objects.count()
        response = self.client.post(url, data, REMOTE_ADDR="203.113.0.7")
        self.assertEqual(
            response.status_code,
            302,
            response.context and response.context["adminform"].form.errors,
        )
        entries = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Place), object_pk=str(place.pk)
        ).order_by("-timestamp")
        self.assertEqual(LogEntry.objects.count(), before + 1)
        entry = entries.first()
        self.assertEqual(entry.action, LogEntry.Action.UPDATE)
        self.assertEqual(entry.actor, self.u.admin)
        self.assertEqual(entry.remote_addr, "203.113.0.7")
        self.assertEqual(entry.changes_dict["name"], ["Thôn Tây", "Thôn Tây Mới"])
        self.assertEqual(set(entry.changes_dict), {"name", "kind"})
        self.assertEqual(entry.additional_data, {"org_path": self.o.A.path})

    def test_a_service_call_is_audited_with_its_organisation(self):
        candidacy = self.candidacy()
        services.record_step(candidacy, Step.SYMPATHISER, SYMPATHISER_ON, actor=self.u.cell)
        event = candidacy.events.get(step=Step.SYMPATHISER)
        entry = LogEntry.objects.get(
            content_type=ContentType.objects.get_for_model(Event), object_pk=str(event.pk)
        )
        self.assertEqual(entry.action, LogEntry.Action.CREATE)
        self.assertEqual(entry.additional_data["org_path"], self.o.A1.path)
        self.assertEqual(event.actor, self.u.cell)  # who recorded the step is on the event itself

    def test_passwords_are_not_in_the_log(self):
        user = self.u.viewer
        user.set_password("mot-mat-khau-moi-2026")
        user.save()
        entry = LogEntry.objects.get_for_object(user).first()
        self.assertNotIn("password", entry.changes_dict)


class AuditPageTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        populate(cls.world)

    def expected_entries(self, prefix: str) -> set[int]:
        return {
            e.pk
            for e in LogEntry.objects.all()
            if (e.additional_data or {}).get("org_path", "\0").startswith(prefix)
        }

    def listed(self, response) -> set[int]:
        page = response.context["page"]
        pks = set()
        for number in page.paginator.page_range:
            pks |= {e.pk for e in page.paginator.page(number).object_list}
        return pks

    def test_committee_users_see_the_entries_of_their_subtree_only(self):
        for role in ("committee", "outsider", "admin"):
            with self.subTest(role=role):
                user = getattr(self.u, role)
                self.client.force_login(user)
                response = self.client.get("/nhat-ky/")
                self.assertEqual(response.status_code, 200)
                expected = self.expected_entries(user.organisation.path)
                self.assertTrue(expected)
                self.assertEqual(self.listed(response), expected)
        # Concretely: the district committee does not see the other district's cell.
        self.client.force_login(self.u.committee)
        response = self.client.get("/nhat-ky/")
        self.assertNotContains(response, "Chi bộ thôn Nam")
        self.assertNotContains(response, "Võ Văn Ngoài")
        page_two = self.client.get("/nhat-ky/", {"page": 2})
        self.assertEqual(page_two.status_code, 200)

    def test_other_roles_get_403(self):
        for role in ("cell", "grassroots", "viewer"):
            with self.subTest(role=role):
                self.client.force_login(getattr(self.u, role))
                self.assertEqual(self.client.get("/nhat-ky/").status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.get("/nhat-ky/").status_code, 302)

    def test_a_committee_user_without_organisation_sees_nothing(self):
        homeless = make_user("chua_gan_to_chuc", None, Role.COMMITTEE)
        self.client.force_login(homeless)
        response = self.client.get("/nhat-ky/")
        self.assertEqual(response.context["page"].paginator.count, 0)
