"""``{% load rows %}`` (ptdv/web/templatetags/rows.py): the same text as what it replaces."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.template import Context, Template
from django.test import SimpleTestCase, override_settings
from django.urls import reverse


def render(text: str, **context) -> str:
    return Template("{% load rows %}" + text).render(Context(context))


class RowsTagsTests(SimpleTestCase):
    def test_dmy_is_the_date_filters_text(self):
        for value in (date(2025, 3, 7), date(1999, 12, 31)):
            with self.subTest(value=value):
                self.assertEqual(
                    render("{{ d|dmy }}", d=value),
                    Template('{{ d|date:"d/m/Y" }}').render(Context({"d": value})),
                )
        self.assertEqual(render("{{ d|dmy }}", d=None), "")
        self.assertEqual(render("{{ d|dmy }}", d=""), "")

    @override_settings(TIME_ZONE="Asia/Ho_Chi_Minh", USE_TZ=True)
    def test_dmy_of_a_datetime_is_its_local_day(self):
        late = datetime(2025, 3, 7, 20, 0, tzinfo=UTC)  # 8 March, 03:00 in Hà Nội
        self.assertEqual(render("{{ d|dmy }}", d=late), "08/03/2025")
        self.assertEqual(
            render("{{ d|dmy }}", d=late),
            Template('{{ d|date:"d/m/Y" }}').render(Context({"d": late})),
        )

    def test_link_prefix_makes_the_reversed_address(self):
        html = render(
            '{% link_prefix "candidacy" as to_candidacy %}{{ to_candidacy }}{{ pk }}/', pk=4321
        )
        self.assertEqual(html, reverse("candidacy", args=[4321]))

    def test_link_prefix_refuses_an_address_not_ending_in_the_id(self):
        with self.assertRaises(ValueError):
            render('{% link_prefix "person_correct" %}')
