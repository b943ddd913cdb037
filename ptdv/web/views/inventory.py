"""The processing inventory: a page and its two downloads (.docx, .xlsx).

For administrators and the data protection officer (``ptdv.inventory.document.can_read_inventory``).
The inventory describes the installation — its data, purposes, roles, flows, retention and
measures, from the code's own registry and the settings in force — and holds nobody's data, so
it is the same for every reader, whatever their subtree, and its downloads are not read-log
entries.
"""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.urls import path

from ptdv.inventory.document import (
    DOCX_MIME,
    XLSX_MIME,
    build_inventory,
    can_read_inventory,
    write_docx,
    write_xlsx,
)


def _allowed(request) -> None:
    if not can_read_inventory(request.user):
        raise PermissionDenied


@login_required
def inventory_page(request):
    _allowed(request)
    return render(request, "web/inventory/index.html", {"inventory": build_inventory()})


@login_required
def inventory_docx(request):
    _allowed(request)
    inventory = build_inventory()
    response = HttpResponse(write_docx(inventory), content_type=DOCX_MIME)
    response["Content-Disposition"] = f'attachment; filename="{inventory.file_stem}.docx"'
    return response


@login_required
def inventory_xlsx(request):
    _allowed(request)
    inventory = build_inventory()
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    write_xlsx(inventory, spool)
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=f"{inventory.file_stem}.xlsx", content_type=XLSX_MIME
    )


urlpatterns = [
    path("bao-ve-du-lieu/danh-muc-xu-ly/", inventory_page, name="processing_inventory"),
    path(
        "bao-ve-du-lieu/danh-muc-xu-ly/tai-ve.docx",
        inventory_docx,
        name="processing_inventory_docx",
    ),
    path(
        "bao-ve-du-lieu/danh-muc-xu-ly/tai-ve.xlsx",
        inventory_xlsx,
        name="processing_inventory_xlsx",
    ),
]
