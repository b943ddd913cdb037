"""The layout of every page, built once and kept: ``{% load layout %}``, used by ``base.html``.

``base.html`` is three tags around the page's two blocks::

    {% layout "head" %}{% block title %}…{% endblock %}{% layout "body" %}{% block content %}…
    {% endblock %}{% layout "end" %}

The markup is ``web/layout/_frame.html``. It is rendered once per **key** and kept in this
process (:data:`_FRAMES`), then cut into the three parts the tags write. The key holds everything
the kept markup depends on, and the frame is rendered from the key's values alone (it sees no
user object), so a kept frame can show nothing a user of that key should not see:

- what the menu shows the user: the role (and its label), whether they have an organisation, and
  each permission the menu asks (write, audit log, read log, the registers, the processing
  inventory, the admin), read from the user at each request. A user whose role, organisation or
  permissions change gets another key at their next request, in every process, with nothing to
  clear (a shared cache would need no message between processes either);
- the language, the URLconf, and which menu item is the current page.

Users with the same key share the frame: there are a few hundred keys at most (roles ×
permissions × languages × menu items), whatever the number of users. What is a person's own, or
differs per request, is written into **slots** at each request: the CSRF token, the user's name,
their organisation's name, the messages, the address the language form returns to, and the
page's title and content (the blocks, rendered around the tags as before). A slot's value never
passes through the kept markup's text: the parts are kept as lists of literal text and slot
names.

The cache is emptied when a setting changes (tests) and when it reaches :data:`MAX_FRAMES`.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template import Context
from django.template.loader import get_template
from django.urls import NoReverseMatch, get_urlconf, reverse
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from ptdv.inventory.document import can_read_inventory
from ptdv.subjects.roles import can_read_registers

register = template.Library()

FRAME_TEMPLATE = "web/layout/_frame.html"
#: Frames kept per process before the cache starts again from empty (a frame is about 6 KiB;
#: roles × permissions × languages × menu items stay far below this).
MAX_FRAMES = 1024
#: A slot in the rendered frame: NUL never occurs in the markup (nor in what the request guard
#: lets through), so the frame's own text cannot look like one.
_SLOT = "\x00slot:{}\x00"
_SLOT_PATTERN = re.compile("\x00slot:(\\w+)\x00")
SLOTS = (
    "title",
    "content",
    "csrf_token",
    "csrf_input",
    "user_name",
    "organisation",
    "messages",
    "next",
)
#: Where the three tags cut the frame.
PARTS = ("head", "body", "end")

#: (key) → the three parts, each a tuple of literal text (even places) and slot names (odd).
_FRAMES: dict[tuple, tuple[tuple[str, ...], ...]] = {}
#: (URLconf, language) → the menu's addresses.
_ADDRESSES: dict[tuple, dict[str, str | None]] = {}
_lock = threading.Lock()
#: Where a page's render keeps its frame and slot values between the three tags.
_PAGE_KEY = "ptdv.web.layout"

#: The menu: (name, URL name, the permission it needs, highlighted on the pages below it too).
MENU = (
    ("home", "home", None, False),
    ("board", "board", None, False),
    ("list", "candidacy_list", None, False),
    ("source", "source_new", "write", False),
    ("org", "org_tree", None, False),
    ("mentor", "mentor", None, False),
    ("reports", "report_index", None, True),
    ("targets", "target_list", None, False),
    ("imports", "import_index", "write", True),
)
#: Other addresses the frame needs (reversed once per URLconf and language).
ADDRESSES = {"search": "search", "account": "account"}


def _menu_labels() -> dict[str, str]:
    """The menu's labels in the current language (a frame is rendered once per language)."""
    return {
        "home": gettext("Việc cần làm"),
        "board": gettext("Tiến trình"),
        "list": gettext("Danh sách"),
        "source": gettext("Thêm nguồn"),
        "org": gettext("Tổ chức"),
        "mentor": gettext("Giúp đỡ"),
        "reports": gettext("Báo cáo"),
        "targets": gettext("Chỉ tiêu"),
        "imports": gettext("Nhập dữ liệu"),
    }


def clear() -> None:
    """Forget every kept frame and address."""
    with _lock:
        _FRAMES.clear()
        _ADDRESSES.clear()


def _on_setting_changed(**kwargs) -> None:
    clear()


setting_changed.connect(_on_setting_changed, dispatch_uid="ptdv.web.layout")


def addresses(urlconf: str, language: str) -> dict[str, str | None]:
    """The menu's and the frame's addresses; ``None`` for a page the URLconf does not have."""
    key = (urlconf, language)
    found = _ADDRESSES.get(key)
    if found is None:
        found = {}
        for name, url_name in [(m[0], m[1]) for m in MENU] + list(ADDRESSES.items()):
            try:
                found[name] = reverse(url_name)
            except NoReverseMatch:
                found[name] = None
        _ADDRESSES[key] = found
    return found


def permissions(user) -> dict[str, bool]:
    """What the menu shows ``user``: part of the key (a change is a new key)."""
    return {
        "write": bool(user.can_write),
        "audit": bool(user.can_read_audit),
        "access_log": bool(user.can_read_access_log),
        "registers": bool(can_read_registers(user)),
        "inventory": bool(can_read_inventory(user)),
        "admin": bool(user.is_administrator),
    }


def current_item(path: str, urls: dict[str, str | None], may: dict[str, bool]) -> tuple[str, bool]:
    """The menu item of ``path``: (name, whether ``path`` is that item's own page); ``("", False)``
    for none. Reports and imports stay highlighted on the pages below them."""
    for name, _url_name, needs, section in MENU:
        url = urls.get(name)
        if url is None or (needs and not may.get(needs)):
            continue
        if path == url:
            return name, True
        if section and url in path:
            return name, False
    return "", False


def key_of(user, language: str, urlconf: str, path: str) -> tuple[tuple, dict]:
    """The key of ``user``'s frame, and the values the frame is rendered from."""
    urls = addresses(urlconf, language)
    if user is None or not user.is_authenticated:
        values: dict[str, Any] = {"signed_in": False, "urls": urls, "language": language}
        return ("anonymous", language, urlconf), values
    may = permissions(user)
    current, own_page = current_item(path, urls, may)
    role = user.role
    has_organisation = user.organisation_id is not None
    key = (
        role,
        has_organisation,
        tuple(sorted(may.items())),
        language,
        urlconf,
        current,
        own_page,
    )
    values = {
        "signed_in": True,
        "urls": urls,
        "language": language,
        "may": may,
        "role_value": role,
        "has_organisation": has_organisation,
        "current": current,
        "own_page": own_page,
    }
    return key, values


def render_frame(values: dict) -> tuple[tuple[str, ...], ...]:
    """The frame for ``values``, cut into :data:`PARTS`, each split at its slots."""
    from ptdv.accounts.models import Role

    context = dict(values)
    context["slot"] = {name: _SLOT.format(name) for name in SLOTS}
    if values["signed_in"]:
        labels = _menu_labels()
        urls, may = values["urls"], values["may"]
        context["menu"] = [
            {
                "url": urls[name],
                "label": labels[name],
                "active": values["current"] == name,
                "current": values["current"] == name and values["own_page"],
            }
            for name, _url_name, needs, _section in MENU
            if urls.get(name) is not None and (needs is None or may.get(needs))
        ]
        role = values["role_value"]
        context["role"] = Role(role).label if role in Role.values else role
    html = get_template(FRAME_TEMPLATE).template.render(Context(context, autoescape=True))
    title, content = _SLOT.format("title"), _SLOT.format("content")
    head, rest = html.split(title, 1)
    body, end = rest.split(content, 1)
    return tuple(tuple(_SLOT_PATTERN.split(part)) for part in (head, body, end))


def frame(context) -> tuple[tuple[str, ...], ...]:
    request = context.get("request")
    user = context.get("user")
    language = get_language() or settings.LANGUAGE_CODE
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    path = request.path if request is not None else ""
    key, values = key_of(user, language, urlconf, path)
    parts = _FRAMES.get(key)
    if parts is None:
        parts = render_frame(values)
        with _lock:
            if len(_FRAMES) >= MAX_FRAMES:
                _FRAMES.clear()
            _FRAMES[key] = parts
    return parts


_ALERT_CLASSES = {"error": "alert-danger", "success": "alert-success", "warning": "alert-warning"}


def messages_html(context) -> str:
    """The messages, each in its Bootstrap alert (``role="alert"`` for an error)."""
    stored = context.get("messages")
    if not stored:
        return ""
    return "".join(
        format_html(
            '<div class="alert {}" role="{}">{}</div>',
            _ALERT_CLASSES.get(m.tags, "alert-info"),
            "alert" if m.tags == "error" else "status",
            m,
        )
        for m in stored
    )


def slot_value(name: str, context) -> str:
    """A slot's text for this request, escaped."""
    if name == "csrf_token" or name == "csrf_input":
        token = context.get("csrf_token")
        token = "" if not token or token == "NOTPROVIDED" else str(token)
        if name == "csrf_token":
            return escape(token)
        if not token:
            return ""
        return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
    user = context.get("user")
    if name == "user_name":
        return escape(user.get_full_name() or user.username)
    if name == "organisation":
        return escape(user.organisation) if user.organisation_id is not None else ""
    if name == "messages":
        return messages_html(context)
    if name == "next":
        address = context.get("page_address")
        if not address:
            request = context.get("request")
            address = request.get_full_path() if request is not None else ""
        return conditional_escape(address)
    return ""


@register.simple_tag(takes_context=True)
def layout(context, part: str) -> SafeString:
    """One of :data:`PARTS` of the page's layout, its slots filled for this request."""
    kept = context.render_context.get(_PAGE_KEY)  # the frame, found once per page
    if kept is None:
        kept = context.render_context[_PAGE_KEY] = {"parts": frame(context), "slots": {}}
    chunks = kept["parts"][PARTS.index(part)]
    if len(chunks) == 1:
        return mark_safe(chunks[0])
    slots = kept["slots"]
    out = []
    for i, chunk in enumerate(chunks):
        if i % 2 == 0:
            out.append(chunk)
        else:
            value = slots.get(chunk)
            if value is None:
                value = slots[chunk] = slot_value(chunk, context)
            out.append(value)
    return mark_safe("".join(out))
