"""A person's labels, built once per language (ptdv.labels), read what Django's displays read."""

from __future__ import annotations

from datetime import date

from django.db.models import Model
from django.test import SimpleTestCase, override_settings
from django.utils import translation
from django.utils.encoding import force_str

from ptdv import labels
from ptdv.people.models import Person

#: Every field of Person with choices.
CHOICE_FIELDS = sorted(f.name for f in Person._meta.get_fields() if getattr(f, "choices", None))


def django_display(instance: Model, name: str):
    """What Django's own ``get_<name>_display()`` returns."""
    return Model._get_FIELD_display(instance, Person._meta.get_field(name))


class PersonLabelTests(SimpleTestCase):
    def test_every_choice_field_has_its_cached_display(self):
        self.assertEqual(
            CHOICE_FIELDS,
            [
                "ethnicity",
                "general_education",
                "legal_basis",
                "member_status",
                "professional_level",
                "religion",
                "sector",
                "sex",
                "theory_level",
            ],
        )
        for name in CHOICE_FIELDS:
            with self.subTest(name=name):
                self.assertIn(f"get_{name}_display", Person.__dict__)

    def test_every_label_equals_djangos_flatchoices_label(self):
        for language in ("vi", "en"):
            for name in CHOICE_FIELDS:
                field = Person._meta.get_field(name)
                for value, label in field.flatchoices:
                    person = Person(birth_date=date(1995, 1, 1), **{name: value})
                    with (
                        self.subTest(language=language, name=name, value=value),
                        translation.override(language),
                    ):
                        shown = getattr(person, f"get_{name}_display")()
                        self.assertIs(type(shown), str)
                        self.assertEqual(shown, force_str(label))
                        self.assertEqual(shown, django_display(person, name))

    def test_a_label_follows_the_active_language(self):
        person = Person(sex="F", sector="farmer", theory_level="intermediate")
        with translation.override("vi"):
            vi = [person.get_sex_display(), person.get_sector_display()]
            self.assertEqual(vi, [django_display(person, "sex"), django_display(person, "sector")])
        with translation.override("en"):
            en = [person.get_sex_display(), person.get_sector_display()]
            self.assertEqual(en, [translation.gettext(label) for label in vi])
            self.assertEqual(en, [django_display(person, "sex"), django_display(person, "sector")])
        self.assertNotEqual(vi, en)

    def test_an_unknown_value_shows_as_itself(self):
        person = Person(sex="X", ethnicity="99", religion="khac", member_status="")
        self.assertEqual(person.get_sex_display(), "X")
        self.assertEqual(person.get_ethnicity_display(), "99")
        self.assertEqual(person.get_religion_display(), "khac")
        self.assertEqual(
            person.get_member_status_display(), django_display(person, "member_status")
        )

    def test_the_dictionaries_are_built_once_per_language(self):
        field = Person._meta.get_field("sex")
        with translation.override("vi"):
            self.assertIs(labels.choice_labels(field), labels.choice_labels(field))
            vi = labels.choice_labels(field)
        with translation.override("en"):
            self.assertIsNot(labels.choice_labels(field), vi)

    def test_a_change_of_the_translation_settings_empties_the_caches(self):
        field = Person._meta.get_field("sex")
        with translation.override("vi"):
            before = labels.choice_labels(field)
            with override_settings(LOCALE_PATHS=[]):
                self.assertIsNot(labels.choice_labels(field), before)
