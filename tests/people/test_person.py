"""Person records: the CCCD number, Vietnamese names (NFC) and the folded search."""

from __future__ import annotations

import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase
from hypothesis import given
from hypothesis import strategies as st

from ptdv.people.models import Person
from ptdv.people.text import fold, normalise_name, sort_key
from ptdv.people.validators import check_cccd_matches, validate_cccd
from tests.base import WorldTestCase, make_person


class CccdTests(SimpleTestCase):
    def assert_invalid(self, value: str, code: str) -> None:
        with self.assertRaises(ValidationError) as caught:
            validate_cccd(value)
        self.assertEqual(caught.exception.code, code)

    def test_twelve_digits(self):
        validate_cccd("001095012345")
        for value in ("00109501234", "0010950123456", "00109501234a", "001 95012345", ""):
            with self.subTest(value=value):
                self.assert_invalid(value, "cccd_format")
        # Other Unicode digits pass str.isdigit() but no province code is written with them.
        with self.assertRaises(ValidationError):
            validate_cccd("００１０９５０１２３４５")

    def test_province_code(self):
        validate_cccd("079195000001")  # Hồ Chí Minh City
        validate_cccd("096295000001")  # Cà Mau
        for value in ("000095012345", "003095012345", "097095012345", "999095012345"):
            with self.subTest(value=value):
                self.assert_invalid(value, "cccd_province")
        with self.assertRaises(ValidationError) as caught:
            validate_cccd("003095012345")
        self.assertEqual(
            caught.exception.messages,
            ["Ba chữ số đầu của số CCCD (003) không phải mã tỉnh hợp lệ."],
        )

    def test_century_sex_and_year(self):
        self.assertEqual(check_cccd_matches("001095012345", date(1995, 4, 1), "M"), [])
        self.assertEqual(check_cccd_matches("001195012345", date(1995, 4, 1), "F"), [])
        self.assertEqual(check_cccd_matches("001205012345", date(2005, 4, 1), "M"), [])
        self.assertEqual(check_cccd_matches("001305012345", date(2005, 4, 1), "F"), [])
        self.assertEqual(
            check_cccd_matches("001095012345", date(1995, 4, 1), "F"),
            ["Chữ số thứ 4 của số CCCD không khớp với giới tính."],
        )
        self.assertEqual(
            check_cccd_matches("001095012345", date(1996, 4, 1), "M"),
            ["Chữ số thứ 4–6 của số CCCD không khớp với năm sinh."],
        )
        # 2005 is not 1905: the fourth digit carries the century.
        self.assertEqual(len(check_cccd_matches("001005012345", date(2005, 4, 1), "M")), 1)
        self.assertEqual(check_cccd_matches("bad", date(2005, 4, 1), "M"), [])


class PersonCleanTests(WorldTestCase):
    def person(self, **kw) -> Person:
        fields = {"full_name": "Nguyễn Thị Hoa", "birth_date": date(1995, 4, 1), "sex": "F",
                  "general_education": "upper_secondary", "sector": "farmer", "cell": self.o.A1}  # fmt: skip
        return Person(**{**fields, **kw})

    def test_mismatch_with_sex_and_birth_year_is_reported_by_clean(self):
        person = self.person(cccd="001096012345")  # a man born in 1996; she was born in 1995
        with self.assertRaises(ValidationError) as caught:
            person.full_clean()
        self.assertEqual(
            caught.exception.message_dict["cccd"],
            [
                "Chữ số thứ 4 của số CCCD không khớp với giới tính.",
                "Chữ số thứ 4–6 của số CCCD không khớp với năm sinh.",
            ],
        )
        self.person(cccd="001195012345").full_clean()

    def test_format_errors_come_from_the_field(self):
        with self.assertRaises(ValidationError) as caught:
            self.person(cccd="12345").full_clean()
        self.assertEqual(
            caught.exception.message_dict["cccd"], ["Số CCCD phải gồm đúng 12 chữ số."]
        )

    def test_a_person_belongs_to_a_cell(self):
        with self.assertRaises(ValidationError) as caught:
            self.person(cell=self.o.A).full_clean()
        self.assertIn("cell", caught.exception.message_dict)
        self.person(cell=self.o.G).full_clean()  # a chi bộ cơ sở is a cell

    def test_official_after_admitted(self):
        with self.assertRaises(ValidationError) as caught:
            self.person(
                party_admitted_on=date(2020, 5, 1), party_official_on=date(2020, 4, 1)
            ).full_clean()
        self.assertIn("party_official_on", caught.exception.message_dict)

    def test_cccd_is_unique_and_blank_is_none(self):
        make_person(self.o.A1, "Người Một", cccd="001095012345")
        blank = make_person(self.o.A1, "Người Hai", cccd="")
        other_blank = make_person(self.o.A1, "Người Ba", cccd="")
        self.assertIsNone(blank.cccd)
        self.assertIsNone(other_blank.cccd)
        with self.assertRaises(ValidationError):
            self.person(cccd="001095012345", sex="M").full_clean()


class NameTests(WorldTestCase):
    def test_names_are_stored_in_nfc_from_decomposed_input(self):
        decomposed = unicodedata.normalize("NFD", "nguyễn  văn   a")
        self.assertNotEqual(decomposed, unicodedata.normalize("NFC", decomposed))
        person = make_person(self.o.A1, decomposed)
        person.refresh_from_db()
        self.assertEqual(person.full_name, "Nguyễn Văn A")
        self.assertTrue(unicodedata.is_normalized("NFC", person.full_name))
        self.assertEqual(person.search_name, "nguyen van a")

    def test_search_by_folded_name_and_by_cccd(self):
        a = make_person(
            self.o.A1, unicodedata.normalize("NFD", "Nguyễn Văn A"), cccd="001098012345"
        )
        duc = make_person(self.o.A1, "Đặng Văn Đức", cccd="001098054321")
        self.assertEqual(list(Person.objects.search("nguyen van a")), [a])
        self.assertEqual(list(Person.objects.search("Nguyễn Văn A")), [a])
        self.assertEqual(
            list(Person.objects.search(unicodedata.normalize("NFD", "NGUYỄN văn a"))), [a]
        )
        self.assertEqual(list(Person.objects.search("dang van duc")), [duc])
        self.assertEqual(list(Person.objects.search("001098012345")), [a])
        self.assertEqual(list(Person.objects.search("0010980")), [a, duc])
        self.assertEqual(list(Person.objects.search("khong co ai")), [])
        # Search stays inside the subtree when combined with the scope.
        self.assertEqual(
            list(Person.objects.visible_to(self.u.outsider).search("nguyen van a")), []
        )


class TextPropertyTests(SimpleTestCase):
    vietnamese = st.text(
        alphabet=st.sampled_from(
            list(
                "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ "
            )
        ),
        max_size=40,
    )

    @given(vietnamese)
    def test_fold_ignores_composition_and_case(self, text):
        self.assertEqual(fold(unicodedata.normalize("NFD", text)), fold(text))
        self.assertEqual(fold(text.upper()), fold(text))
        self.assertTrue(fold(text).isascii())

    @given(vietnamese)
    def test_normalised_names_are_nfc_and_stable(self, text):
        name = normalise_name(unicodedata.normalize("NFD", text))
        self.assertTrue(unicodedata.is_normalized("NFC", name))
        self.assertEqual(normalise_name(name), name)
        self.assertEqual(fold(name), fold(text))


class VietnameseOrderTests(SimpleTestCase):
    """Names sort by given name, then middle and family name, in Vietnamese alphabet order."""

    def test_given_name_first(self):
        names = ["Nguyễn Văn Cường", "Trần Thị Bình", "Lê An", "Hoàng Đức Anh"]
        self.assertEqual(
            sorted(names, key=sort_key),
            ["Lê An", "Hoàng Đức Anh", "Trần Thị Bình", "Nguyễn Văn Cường"],
        )

    def test_alphabet_letters_with_shapes_are_letters_of_their_own(self):
        # a < ă < â, d < đ, e < ê, o < ô < ơ, u < ư — and every a-word before every ă-word.
        given = ["Ư", "Ơn", "Đức", "Dung", "Ân", "Ăn", "Anh", "Ôn", "On", "U", "Ê", "E"]
        ordered = sorted((f"Lò Văn {g}" for g in given), key=sort_key)
        self.assertEqual(
            [n.rsplit(" ", 1)[1] for n in ordered],
            ["Anh", "Ăn", "Ân", "Dung", "Đức", "E", "Ê", "On", "Ôn", "Ơn", "U", "Ư"],
        )

    def test_tones_only_break_ties_in_dictionary_order(self):
        tones = ["Ạn", "Án", "Ãn", "Ản", "Àn", "An"]
        self.assertEqual(
            sorted((f"Lê {t}" for t in tones), key=sort_key),
            ["Lê An", "Lê Àn", "Lê Ản", "Lê Ãn", "Lê Án", "Lê Ạn"],
        )
        # letters decide before tones: "Ánh" after "Ạn" because n < nh
        self.assertLess(sort_key("Lê Ạn"), sort_key("Lê Anh"))

    def test_shorter_word_first_and_family_name_last(self):
        self.assertLess(sort_key("Lê Văn An"), sort_key("Lê Văn Anh"))
        self.assertLess(sort_key("Lê Văn An"), sort_key("Nguyễn Văn An"))
        self.assertLess(sort_key("Nguyễn An"), sort_key("Nguyễn Văn An"))  # no middle name first

    def test_key_uses_only_digits_and_lowercase_letters(self):
        # Database collations may ignore punctuation or fold case: the key has neither.
        key = sort_key("Nguyễn Thị Ngọc Ánh-Linh O'Brien")
        self.assertRegex(key, r"^[0-9a-z]+$")


class VietnameseOrderInDatabaseTests(WorldTestCase):
    def test_database_order_by_sort_key_is_vietnamese(self):
        names = ["Vàng A Sử", "Lò Thị Ánh", "Đỗ Văn Đức", "Lò Văn An", "Nguyễn Thị Dung"]
        for name in names:
            make_person(self.o.A1, name)
        got = list(
            Person.objects.filter(full_name__in=names)
            .order_by("sort_key", "pk")
            .values_list("full_name", flat=True)
        )
        self.assertEqual(
            got, ["Lò Văn An", "Lò Thị Ánh", "Nguyễn Thị Dung", "Đỗ Văn Đức", "Vàng A Sử"]
        )
