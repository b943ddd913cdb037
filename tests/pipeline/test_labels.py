"""Labels built once per language follow the active language, as Django's displays do."""

from __future__ import annotations

from django.test import SimpleTestCase
from django.utils import translation

from ptdv.pipeline import labels
from ptdv.pipeline.models import Candidacy, Event, MentorReport
from ptdv.rules.stages import Stage, Step


class LabelTests(SimpleTestCase):
    def test_the_labels_follow_the_active_language(self):
        candidacy = Candidacy(stage=Stage.DOSSIER)
        event = Event(step=Step.CEREMONY)
        with translation.override("vi"):
            vi = (candidacy.get_stage_display(), event.get_step_display())
            self.assertEqual(labels.stage_labels()[Stage.DOSSIER.value], vi[0])
        with translation.override("en"):
            en = (candidacy.get_stage_display(), event.get_step_display())
            self.assertEqual(en, (translation.gettext(vi[0]), translation.gettext(vi[1])))
        self.assertNotEqual(vi, en)

    def test_every_stage_step_and_deadline_has_its_label(self):
        with translation.override("vi"):
            self.assertEqual(set(labels.stage_labels()), {s.value for s in Stage})
            self.assertEqual(set(labels.step_labels()), {s.value for s in Step})
            self.assertEqual(labels.deadline_label(""), "")
            self.assertTrue(labels.deadline_label("decision_due"))

    def test_a_choice_field_reads_the_same_label_as_django(self):
        report = MentorReport(period="month", assessment=MentorReport._meta.get_field(
            "assessment").choices[0][0])  # fmt: skip
        for language in ("vi", "en"):
            with translation.override(language):
                self.assertEqual(
                    report.get_period_display(), str(dict(MentorReport._meta.get_field("period").flatchoices)["month"])
                )  # fmt: skip
                self.assertEqual(
                    report.get_assessment_display(),
                    str(dict(MentorReport._meta.get_field("assessment").flatchoices)[report.assessment]),
                )  # fmt: skip

    def test_an_unknown_value_shows_as_itself(self):
        self.assertEqual(Candidacy(stage="khac").get_stage_display(), "khac")
