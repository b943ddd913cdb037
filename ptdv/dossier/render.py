"""Rendering the dossier: docxtpl templates, the .zip, one combined .docx and its PDF.

- Templates: ``templates_docx/default/<slug>.docx``; an administrator replaces any of them
  without code by putting a file of the same name in the folder named by the setting
  ``PTDV_DOSSIER_TEMPLATE_DIR`` (optional), or in its subfolder named after the rule set in force
  on the form's date (``QD24_2021``, ``QD232_2025``, ``QD294_2025``), which wins over the
  flat folder. See ``docs/dossier.md``.
- Rendering: ``DocxTemplate(path).render(context, autoescape=True)`` in a sandboxed Jinja
  environment; a variable the template names but the context lacks prints as a dotted blank.
- PDF: every applicable form is concatenated into one .docx (python-docx: each form is a
  section starting on a new page), converted by LibreOffice
  (``soffice --headless --convert-to pdf``) with a fresh user profile per call and a timeout
  (``PTDV_DOSSIER_PDF_TIMEOUT`` seconds, optional setting, default 120).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from copy import deepcopy
from io import BytesIO
from pathlib import Path

import docx
from django.conf import settings
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2 import ChainableUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from .forms import HAND, Document

__all__ = [
    "DEFAULT_DIR",
    "ConversionFailed",
    "ConversionUnavailable",
    "DossierTemplateError",
    "combine",
    "convert",
    "render_document",
    "render_pdf",
    "render_template",
    "render_zip",
    "soffice",
    "template_path",
]

logger = logging.getLogger(__name__)

DEFAULT_DIR = Path(__file__).resolve().parent / "templates_docx" / "default"
DEFAULT_TIMEOUT = 120
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class DossierTemplateError(Exception):
    """A template that cannot be rendered (an administrator's replacement, usually)."""

    def __init__(self, path: Path, error: Exception):
        self.path = path
        super().__init__(f"{path}: {error}")


class ConversionUnavailable(Exception):
    """LibreOffice (``soffice``) is not installed on the server."""


class ConversionFailed(Exception):
    """LibreOffice ran but produced no file (an error, or the timeout)."""


# --- templates ----------------------------------------------------------------------------


def template_path(slug: str, rule_set_id: str) -> Path:
    """The template of form ``slug``: the replacement for the rule set, the flat replacement,
    or the default."""
    custom = getattr(settings, "PTDV_DOSSIER_TEMPLATE_DIR", None)
    if custom:
        base = Path(custom)
        for candidate in (base / rule_set_id / f"{slug}.docx", base / f"{slug}.docx"):
            if candidate.is_file():
                return candidate
    return DEFAULT_DIR / f"{slug}.docx"


class _Blank(ChainableUndefined):
    """A name the context lacks (a typo in a replacement template): a dotted blank."""

    def __str__(self) -> str:
        return HAND


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=True, undefined=_Blank)


def render_template(path: Path, context: dict) -> bytes:
    """The .docx of the template at ``path`` filled with ``context`` (sandboxed, autoescaped; a
    name the context lacks prints as a dotted blank). Raises :class:`DossierTemplateError`."""
    try:
        template = DocxTemplate(path)
        template.render(context, jinja_env=_environment(), autoescape=True)
        out = BytesIO()
        template.save(out)
    except (TemplateError, OSError, ValueError, KeyError) as exc:
        logger.exception("Dossier template %s cannot be rendered", path)
        raise DossierTemplateError(path, exc) from exc
    return out.getvalue()


def render_document(document: Document) -> bytes:
    """The .docx of one form, filled with its context."""
    return render_template(
        template_path(document.spec.slug, document.rule_set_id), document.context
    )


def render_zip(documents: list[Document]) -> bytes:
    """A .zip of the forms' .docx files, named ``01-1-KND-don-xin-vao-Dang.docx``…"""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in documents:
            archive.writestr(document.file_name, render_document(document))
    return out.getvalue()


# --- one .docx of several -----------------------------------------------------------------

_REL_ATTRIBUTES = (qn("r:embed"), qn("r:id"), qn("r:link"))


def _section_break(sect_pr) -> OxmlElement:
    """An empty paragraph ending a section with the page setup ``sect_pr`` (next page)."""
    paragraph = OxmlElement("w:p")
    properties = OxmlElement("w:pPr")
    properties.append(sect_pr)
    paragraph.append(properties)
    return paragraph


def _page_setup(sect_pr):
    """A copy of a section's page setup without its headers and footers (their parts stay in
    the source document)."""
    copy = deepcopy(sect_pr)
    for ref in copy.findall(qn("w:headerReference")) + copy.findall(qn("w:footerReference")):
        copy.remove(ref)
    return copy


def _copy_styles(source, target) -> None:
    known = {s.get(qn("w:styleId")) for s in target.styles.element.findall(qn("w:style"))}
    for style in source.styles.element.findall(qn("w:style")):
        if style.get(qn("w:styleId")) not in known:
            target.styles.element.append(deepcopy(style))


def _relink(element, source_part, target_part) -> None:
    """Re-create in ``target_part`` the images and external links ``element`` refers to."""
    for node in element.iter():
        for attribute in _REL_ATTRIBUTES:
            rid = node.get(attribute)
            rel = source_part.rels.get(rid) if rid else None
            if rel is None:
                continue
            if rel.is_external:
                node.set(attribute, target_part.relate_to(rel.target_ref, rel.reltype, True))
            elif rel.reltype == RT.IMAGE:
                new_rid, _image = target_part.get_or_add_image(BytesIO(rel.target_part.blob))
                node.set(attribute, new_rid)


def combine(blobs: list[bytes]) -> bytes:
    """One .docx holding ``blobs`` one after the other, each starting on a new page.

    The first document's styles, headers and footers apply; styles the others add are copied,
    their page setup is kept per section, and their images and external links are re-linked.
    List numbering of the later documents is not merged.
    """
    if not blobs:
        raise ValueError("nothing to combine")
    master = docx.Document(BytesIO(blobs[0]))
    body = master.element.body
    final = body.find(qn("w:sectPr"))
    if final is None:
        final = OxmlElement("w:sectPr")
        body.append(final)
    previous_setup = deepcopy(final)  # the first section keeps its headers and footers
    for blob in blobs[1:]:
        part = docx.Document(BytesIO(blob))
        _copy_styles(part, master)
        final.addprevious(_section_break(previous_setup))
        own = part.element.body.find(qn("w:sectPr"))
        for child in list(part.element.body):
            if child is own:
                continue
            _relink(child, part.part, master.part)
            final.addprevious(child)
        previous_setup = _page_setup(own) if own is not None else deepcopy(previous_setup)
    if len(blobs) > 1:
        for child in list(final):
            if child.tag not in (qn("w:headerReference"), qn("w:footerReference")):
                final.remove(child)
        for child in previous_setup:
            if child.tag not in (qn("w:headerReference"), qn("w:footerReference")):
                final.append(child)
    out = BytesIO()
    master.save(out)
    return out.getvalue()


# --- LibreOffice --------------------------------------------------------------------------


def soffice() -> str | None:
    """The LibreOffice executable, or ``None`` when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(document: bytes, target: str = "pdf", *, timeout: float | None = None) -> bytes:
    """Convert a .docx with LibreOffice (``target``: ``pdf``, ``txt:Text (encoded):UTF8``…).

    A fresh user profile per call (parallel calls do not share a locked profile); the whole
    process group is killed on timeout. Raises :class:`ConversionUnavailable` or
    :class:`ConversionFailed`.
    """
    executable = soffice()
    if executable is None:
        raise ConversionUnavailable
    if timeout is None:
        timeout = getattr(settings, "PTDV_DOSSIER_PDF_TIMEOUT", None) or DEFAULT_TIMEOUT
    extension = target.split(":", 1)[0]
    with tempfile.TemporaryDirectory(prefix="ptdv-soffice-") as tmp:
        folder = Path(tmp)
        source = folder / "ho-so.docx"
        source.write_bytes(document)
        out = folder / "out"
        command = [
            executable,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(source),
        ]
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env={**os.environ, "HOME": str(folder)},
        )
        try:
            _stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ConversionFailed(f"LibreOffice quá {timeout} giây") from exc
        result = out / f"ho-so.{extension}"
        if process.returncode != 0 or not result.is_file():
            message = stderr.decode("utf-8", "replace").strip()[-500:]
            raise ConversionFailed(message or f"exit status {process.returncode}")
        return result.read_bytes()


def render_pdf(documents: list[Document]) -> bytes:
    """One PDF of ``documents`` (the forms concatenated, then converted by LibreOffice)."""
    if soffice() is None:
        raise ConversionUnavailable
    return convert(combine([render_document(d) for d in documents]), "pdf")
