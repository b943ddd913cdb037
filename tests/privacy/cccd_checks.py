"""Helpers of the "no whole CCCD anywhere" checks: a CCCD for everybody, and every response read
(pages, htmx fragments, .xlsx / .docx / .zip downloads) for a whole number.

Used by ``tests/privacy/test_masking.py`` and the URL walk (``tests/access/test_url_walk.py``).
"""

from __future__ import annotations

import io
import zipfile

from ptdv.people.models import Person
from tests.base import cccd_for

#: Pages that show a whole number on purpose: the person page's reveal (logged), the correction
#: form (it corrects the number), the filled dossier forms (official papers; for the roles that
#: may print them), the hand-off's file (the CCCD is the national record's key; for the roles of
#: ``handoff.roles.may_hand_off``, recorded and logged).
WHOLE_NUMBER_PAGES = frozenset(
    {
        "person_cccd",
        "person_correct",
        "dossier_form",
        "dossier_zip",
        "dossier_pdf",
        "handoff_download",
    }
)


def give_everybody_a_cccd() -> list[str]:
    """A valid CCCD for every person without one (saved one by one, so the audit log records
    it); every CCCD of the database, returned."""
    for person in Person.all_records.filter(cccd__isnull=True).order_by("pk"):
        person.cccd = cccd_for(person.birth_date, person.sex)
        person.save()
    return list(Person.all_records.exclude(cccd__isnull=True).values_list("cccd", flat=True))


def response_text(response) -> str:
    """What a response shows or hands over, as text: a page or fragment decoded; a workbook, a
    Word file or a .zip of them as the text of every member; a PDF as its bytes (latin-1)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"PK"):
        return "\n".join(_zip_texts(content))
    if content.startswith(b"%PDF"):
        return content.decode("latin-1")
    return content.decode("utf-8", errors="replace")


def _zip_texts(content: bytes) -> list[str]:
    texts = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            member = archive.read(name)
            if member.startswith(b"PK"):  # a workbook or a Word file inside a .zip
                texts += _zip_texts(member)
            else:
                texts.append(member.decode("utf-8", errors="replace"))
    return texts


def whole_numbers_in(response, numbers) -> list[str]:
    """The whole numbers of ``numbers`` that ``response`` shows or hands over."""
    text = response_text(response)
    return [number for number in numbers if number and number in text]
