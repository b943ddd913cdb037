"""The registry of personal data classifies every field of every model, and only real fields."""

from __future__ import annotations

from dataclasses import replace
from unittest import mock

from django.test import SimpleTestCase

from ptdv.inventory import registry
from ptdv.inventory.registry import CATEGORIES, MODELS, NOT_PERSONAL
from ptdv.people.models import Person


class RegistryTests(SimpleTestCase):
    def test_every_field_of_every_model_is_classified(self):
        problems = registry.classification_problems()
        self.assertEqual(
            problems,
            [],
            "classify each field in ptdv/inventory/registry.py (MODELS): its categories of "
            "data, or NOT_PERSONAL\n" + "\n".join(problems),
        )

    def test_a_new_field_or_a_removed_one_is_caught(self):
        entry = MODELS["people.person"]
        fields = dict(entry.fields)
        del fields["religion"]
        fields["blood_group"] = "identity"
        changed = {**MODELS, "people.person": replace(entry, fields=fields)}
        with mock.patch.object(registry, "MODELS", changed):
            problems = registry.classification_problems()
        self.assertIn(
            "people.person.religion: a field the registry does not classify "
            "(MODELS['people.person'])",
            problems,
        )
        self.assertIn(
            "people.person.blood_group: in the registry but not a field of the model", problems
        )

    def test_a_new_model_is_caught(self):
        without = {k: v for k, v in MODELS.items() if k != "pipeline.mentorreport"}
        with mock.patch.object(registry, "MODELS", without):
            problems = registry.classification_problems()
        self.assertTrue(
            any(p.startswith("pipeline.mentorreport: the model is not") for p in problems)
        )

    def test_personal_data_names_its_people_and_purposes(self):
        entry = MODELS["pipeline.mentorreport"]
        with mock.patch.dict(
            registry.MODELS, {"pipeline.mentorreport": replace(entry, subjects=())}
        ):
            problems = registry.classification_problems()
        self.assertIn(
            "pipeline.mentorreport: personal data without the people or the purposes", problems
        )

    def test_the_sensitive_data_of_a_person_are_marked_sensitive(self):
        fields = {(f.model._meta.label_lower, f.name): f for f in registry.personal_fields()}
        for name in ("cccd", "ethnicity", "religion", "member_status", "party_card_number"):
            self.assertTrue(fields["people.person", name].sensitive, name)
        for name in ("full_name", "birth_date", "occupation"):
            self.assertFalse(fields["people.person", name].sensitive, name)
        # Verification results and family relations live in the events' data.
        data = fields["pipeline.event", "data"]
        self.assertTrue({"verification", "family"} <= set(data.categories))
        self.assertTrue(fields["pipeline.mentorreport", "text"].sensitive)
        self.assertTrue(fields["auditlog.logentry", "changes"].sensitive)
        self.assertNotIn(("people.person", "id"), fields)
        for code in ("identifier", "ethnicity", "religion", "political", "verification",
                     "family"):  # fmt: skip
            self.assertTrue(CATEGORIES[code].sensitive, code)

    def test_every_field_of_a_person_is_in_the_registry(self):
        names = {f.name for f in Person._meta.concrete_fields}
        self.assertEqual(names, set(MODELS["people.person"].fields))
        self.assertEqual(MODELS["people.person"].fields["id"], NOT_PERSONAL)

    def test_an_entry_for_a_model_that_is_gone_is_caught(self):
        entry = MODELS["pipeline.calendarday"]
        extra = {**MODELS, "people.ghost": entry, "uninstalled_library.device": entry}
        with mock.patch.object(registry, "MODELS", extra):
            problems = registry.classification_problems()
        self.assertEqual(problems, ["people.ghost: in the registry but not an installed model"])
