"""End-to-end tests: the real pages in a real headless Chromium, driven by Playwright's sync API.

Browser
    Debian's ``chromium`` (``PTDV_CHROMIUM``, else ``chromium`` on ``PATH``, else
    ``/usr/bin/chromium``), launched by Playwright with ``executable_path``: Playwright's own
    browser downloads are never used (``.ci/run`` installs Debian's package on a fresh machine).
    Without a Chromium the e2e tests are skipped with the reason, except under CI (``CI=true``),
    where they fail: CI must run them.

Server and data, once for the whole ``tests/e2e`` package
    The tests use pytest-django's ``live_server`` (Django's threaded ``LiveServerThread``, which
    also serves the static files since ``django.contrib.staticfiles`` is installed). The demo
    dataset (``Builder(demo_shape(), today)`` and the demo users: what ``ptdv demo`` loads, about
    3 seconds) is written once, committed, and the tables are flushed after the package's last
    test, so the rest of the suite starts from the empty test database as usual.

    pytest-django's ``live_server`` makes every test request ``transactional_db``, which flushes
    every table after each test: a dataset loaded once would be gone after the first test, and
    reloading it for each test would cost ~3 s a test. This package therefore overrides
    ``transactional_db`` (for tests/e2e only) with a package-wide one: the ``demo`` fixture holds
    ``django_db_blocker.unblock()`` for the package and, like ``transactional_db``, wraps nothing
    in a transaction, so what the test thread and the server thread write is committed and seen
    by both (on SQLite the in-memory test database's connection is shared with the server
    thread; on PostgreSQL each thread has its own). Because the tests request ``live_server``,
    pytest-django creates the test database for them (a guard in ``demo`` refuses to load or
    flush anything in a database that is not a test database). ``live_server`` is also
    overridden here, only to start after the test database exists and stop before it is dropped.

    Tests may read and write the database directly as well (DJANGO_ALLOW_ASYNC_UNSAFE is set for
    the package, see ``_orm_beside_playwright``). They may change data through the pages (the
    journey test will) but must only add their own rows (new candidacies, new steps), never
    edit what other tests read (the ``demo`` facts).

Second factor
    The demo accounts whose role requires a second factor come with an authenticator app
    (``ptdv.demo.users``); the fixture also gives one to the cell secretary (an optional role
    that has enrolled) and to the outsider, so that every login of the scenarios goes through
    the real code page. ``login`` computes the app's code with django-otp's own TOTP from the
    device's secret, as the phone would (:func:`totp_code`).

Helpers
    ``login(page, username, password)``, ``shot(page, name)`` (full-page PNGs into
    ``docs/screens/``: ``<name>-desktop.png`` at 1280×800, ``<name>-phone.png`` at 390×844) and
    ``axe_check(page)`` (axe-core bundled with axe-playwright-python: no serious or critical
    violation). See ``docs/screens.md``.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlparse

import pytest

E2E_DIR = Path(__file__).resolve().parent
SCREENS_DIR = E2E_DIR.parents[1] / "docs" / "screens"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
#: Playwright's default is 30 s; a local page that takes more than this is a failure anyway.
TIMEOUT_MS = 15_000

#: A committee user of the provincial agencies' bloc, added to the demo users: another subtree.
OUTSIDER = "ngoai_khoi"


def pytest_configure(config: pytest.Config) -> None:
    # pyproject.toml registers the marker too; register it here only when it is missing, so that
    # --strict-markers accepts tests/e2e on its own.
    if not any(line.split(":")[0].strip() == "e2e" for line in config.getini("markers")):
        config.addinivalue_line("markers", "e2e: end-to-end tests in a real headless Chromium")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/e2e is marked ``e2e`` (before ``-m`` selects)."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def find_chromium() -> tuple[str | None, str]:
    """The Chromium to drive and, when there is none, why.

    PTDV_CHROMIUM when set (and then only it), else ``chromium`` on PATH, else /usr/bin/chromium.
    """
    configured = os.environ.get("PTDV_CHROMIUM")
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured, ""
        return None, f"PTDV_CHROMIUM={configured!r} is not an executable file."
    for candidate in (shutil.which("chromium"), DEFAULT_CHROMIUM):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate, ""
    return None, (
        "No Chromium for the e2e tests: install Debian's chromium (apt-get install chromium) "
        "or set PTDV_CHROMIUM to a Chromium executable (Playwright's downloads are not used)."
    )


# --- browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def chromium_executable() -> str:
    path, reason = find_chromium()
    if path is None:
        if _in_ci():
            pytest.fail(f"CI is set: the e2e tests must run. {reason}", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="package")
def _orm_beside_playwright() -> Iterator[None]:
    """Let the test thread use the ORM while Playwright runs.

    Playwright's sync API keeps an asyncio event loop running in the test's thread from
    ``start()`` to ``stop()``; Django refuses database calls from a thread with a running event
    loop (SynchronousOnlyOperation) unless DJANGO_ALLOW_ASYNC_UNSAFE is set. The calls are in fact
    synchronous (Playwright only waits on the loop between them), so it is safe here. Set for the
    e2e package only and restored afterwards, so that the rest of the suite keeps Django's check.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(chromium_executable, _orm_beside_playwright):
    """One headless Chromium for the package; a fresh context (cookies, storage) per test."""
    from playwright.sync_api import sync_playwright

    # Chromium's sandbox refuses to start as root (CI containers): only then turn it off.
    # A Vietnamese browser, as most users have (the date boxes are text boxes in any locale).
    args = ["--lang=vi-VN", *(["--no-sandbox"] if os.geteuid() == 0 else [])]
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable, headless=True, args=args
        )
        yield browser
        browser.close()
    finally:
        # While Playwright runs, the test thread is in another context, where Django's
        # (context-local) connection handler gives it other connections than before start():
        # close those, or PostgreSQL refuses to drop the test database that they still use.
        from django.db import connections

        connections.close_all()
        # Stopping ends the event loop: tests after the e2e package see no running loop.
        playwright.stop()


# --- data and server -------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoFacts:
    """What the scenarios look for, read from the database before the browser starts."""

    today: date
    password: str
    #: The demo cell secretary (chibo), a committee user of the district (bantochuc), the
    #: grassroots officer (dangbo_xa) and a committee user of another subtree (the bloc).
    cell_user: str
    district_user: str
    commune_user: str
    outsider: str
    #: A candidacy of chibo's cell and its person (with diacritics) for search and scoping.
    cell_candidacy_pk: int
    cell_person_name: str
    cell_person_pk: int
    #: The district's overdue candidacies' people, most overdue first.
    district_overdue_names: tuple[str, ...]


def _is_test_database(connection) -> bool:
    """Whether Django's test runner has switched the connection to a test database."""
    from django.db.backends.base.creation import TEST_DATABASE_PREFIX

    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return True
    return name == connection.settings_dict["TEST"].get("NAME") or Path(name).name.startswith(
        TEST_DATABASE_PREFIX
    )


@pytest.fixture(scope="package")
def demo(chromium_executable, django_db_setup, django_db_blocker) -> Iterator[DemoFacts]:
    """The demo dataset, loaded once for tests/e2e and flushed after its last test.

    Requests ``chromium_executable`` first, so nothing is loaded when the tests are skipped.
    """
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ptdv.accounts.models import Role, User
    from ptdv.demo.builder import Builder, demo_shape
    from ptdv.demo.registers import create_demo_registers
    from ptdv.demo.users import DEMO_PASSWORD, create_demo_users, enrol_demo_app
    from ptdv.org.models import Organisation, OrgKind
    from ptdv.pipeline.models import Candidacy
    from ptdv.rules.stages import CLOSED_STAGES

    for alias in connections:
        if not _is_test_database(connections[alias]):
            pytest.fail(
                f"e2e: database {alias!r} is {connections[alias].settings_dict['NAME']!r}, not a "
                "test database: refusing to load and flush the demo data there.",
                pytrace=False,
            )

    with django_db_blocker.unblock():
        today = timezone.localdate()
        Builder(demo_shape(), today).build()
        create_demo_users()
        create_demo_registers(today)
        bloc = Organisation.objects.filter(kind=OrgKind.BLOC).order_by("path").first()
        outsider = User(
            username=OUTSIDER,
            first_name="Ban Tổ chức Đảng ủy Khối",
            organisation=bloc,
            role=Role.COMMITTEE,
        )
        outsider.set_password(DEMO_PASSWORD)
        outsider.save()
        # Authenticator apps: the outsider's role requires one; the cell secretary's does not,
        # but an enrolled user is asked for the code too.
        enrol_demo_app(outsider)
        TOTPDevice.objects.create(user=User.objects.get(username="chibo"), name="Ứng dụng")

        users = {u.username: u for u in User.objects.filter(username__in=["chibo", "bantochuc"])}
        in_cell = (
            Candidacy.objects.visible_to(users["chibo"])
            .select_related("person")
            .exclude(stage__in=[s.value for s in CLOSED_STAGES])
            .order_by("pk")
        )
        candidacy = in_cell.first() or Candidacy.objects.visible_to(users["chibo"]).first()
        assert candidacy is not None, "the demo cell secretary's cell has no candidacy"
        overdue = (
            Candidacy.objects.visible_to(users["bantochuc"])
            .overdue(today)
            .select_related("person")
            .order_by("next_due", "id")
        )
        facts = DemoFacts(
            today=today,
            password=DEMO_PASSWORD,
            cell_user="chibo",
            district_user="bantochuc",
            commune_user="dangbo_xa",
            outsider=OUTSIDER,
            cell_candidacy_pk=candidacy.pk,
            cell_person_name=candidacy.person.full_name,
            cell_person_pk=candidacy.person_id,
            district_overdue_names=tuple(c.person.full_name for c in overdue),
        )
        assert facts.district_overdue_names, "the demo dataset has no overdue candidacy"
        try:
            yield facts
        finally:
            for alias in connections:
                call_command("flush", interactive=False, verbosity=0, database=alias)
            connections.close_all()


@pytest.fixture
def transactional_db(demo) -> None:
    """tests/e2e's ``transactional_db``: committed data, flushed once after the package.

    Overrides pytest-django's fixture of that name (which ``live_server`` requests for every
    test) so that the demo data survives from one test to the next; see the module docstring.
    """


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's ``live_server``, started after the test databases exist (and so stopped
    before they are dropped).

    The plugin's fixture does not depend on ``django_db_setup``, and pytest sets session fixtures
    up first, so it would start on the settings' database: on SQLite it would then not share the
    in-memory test database's connection with the server thread (as Django's LiveServerThread
    does), and on PostgreSQL its connection would still be open when the test database is dropped.
    """
    return live_server


@pytest.fixture
def server(live_server, demo) -> str:
    """The live server's base URL (no trailing slash), serving the demo data and static files."""
    return live_server.url


@pytest.fixture
def context(server, browser):
    """A desktop browser context (1280×800, Vietnamese) whose relative URLs go to the server.

    ``server`` (and so ``demo``) comes before ``browser``: the demo data is loaded before
    Playwright starts, with the test thread's usual database connection.

    What the browser refuses under the site's Content-Security-Policy or Permissions-Policy
    (an inline script or handler, eval, a header it does not understand) fails the test: see
    :func:`watch_policies`.
    """
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", base_url=server)
    context.set_default_timeout(TIMEOUT_MS)
    violations = watch_policies(context)
    yield context
    context.close()
    assert_no_violations(violations)


#: What Chromium writes to the console when a policy header blocks or rejects something:
#: "Refused to execute inline script because it violates the following Content Security Policy
#: directive…", "Error with Permissions-Policy header: Unrecognized feature…".
POLICY_MESSAGE = re.compile(r"Content Security Policy|Content-Security-Policy|Permissions-Policy")


def watch_policies(context) -> list[str]:
    """Collect the console messages of every page of ``context`` about the policy headers.

    Also reports ``securitypolicyviolation`` events, which Chromium fires for every blocked
    resource, inline code and eval (an init script registers the listener before the page's own
    scripts run; Playwright injects it outside the page's policy).
    """
    violations: list[str] = []

    def on_console(message) -> None:
        if POLICY_MESSAGE.search(message.text):
            violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    context.on("console", on_console)
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => console.error("
        "'Content-Security-Policy violation: ' + e.violatedDirective + ' blocked ' + "
        "(e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));"
    )
    return violations


def assert_no_violations(violations: list[str]) -> None:
    assert not violations, "the browser refused something under the site's policies:\n" + (
        "\n".join(dict.fromkeys(violations))
    )


@pytest.fixture
def page(context):
    return context.new_page()


# --- helpers ---------------------------------------------------------------------------------


#: The second step of the login (the code page) and enrolment at login.
VERIFY_PATH = "/tai-khoan/xac-thuc/"
ENROL_PATH = "/tai-khoan/xac-thuc/dang-ky/"


def login(page, username: str, password: str):
    """Sign in through the login form and, when the account has an authenticator app, the code
    page (with the app's current code); returns the response of the page reached."""
    page.goto("/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập", exact=True).fill(username)
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Đăng nhập").click()
    if urlparse(page.url).path != VERIFY_PATH:
        return navigation.value
    page.get_by_label("Mã xác thực", exact=True).fill(totp_code(username))
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Xác nhận").click()
    return navigation.value


def totp_code(username: str) -> str:
    """The code the user's authenticator app would show now, as the server will accept it.

    django-otp accepts the codes of the current 30-second step and its neighbours (corrected by
    the drift it has learnt), each step once: for logins in quick succession the next unused step
    is taken, within that window.
    """
    from django_otp.oath import hotp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    now = (int(time.time()) - device.t0) // device.step + device.drift
    if device.last_t > now + device.tolerance:
        # A scenario travelled forward in time (the journey's year of probation) and came back:
        # the codes used out there lie in the future. A phone's clock does not go back; clear
        # what the device learnt out there rather than wait a year.
        device.last_t, device.drift = -1, 0
        device.save(update_fields=["last_t", "drift"])
        now = (int(time.time()) - device.t0) // device.step
    step = max(device.last_t + 1, now)
    assert step <= now + device.tolerance, f"no unused code for {username} in the window"
    return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"


def code_of_secret(secret: str) -> str:
    """The current code of an app holding ``secret`` (Base32, as the enrolment page shows it)."""
    from base64 import b32decode

    from django_otp.oath import TOTP

    key = b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    return f"{TOTP(key).token():06d}"


def open_page(page, url: str):
    """GET ``url`` and fail with the status unless the page answered 200."""
    response = page.goto(url)
    assert response is not None, f"no response for {url}"
    assert response.status == 200, f"GET {url} answered {response.status}, not 200"
    return response


def assert_styled(page) -> None:
    """Bootstrap's CSS was served and applied (axe's contrast check depends on it)."""
    styled = page.evaluate(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--bs-body-font-family')"
    )
    assert styled.strip(), f"Bootstrap's CSS is not applied on {page.url} (static files?)"


class Shots(NamedTuple):
    desktop: Path
    phone: Path
    #: The documents' widths in CSS pixels: more than the viewport's means it scrolls sideways.
    desktop_width: int
    phone_width: int


SCROLL_WIDTH = "() => document.documentElement.scrollWidth"


def shot(page, name: str) -> Shots:
    """Full-page screenshots of the page into docs/screens: desktop (1280×800) and phone (390×844).

    The phone picture is taken in a second context (mobile viewport, touch) holding the same
    cookies, so it shows what the same user sees on a phone.
    """
    SCREENS_DIR.mkdir(parents=True, exist_ok=True)
    desktop = SCREENS_DIR / f"{name}-desktop.png"
    phone = SCREENS_DIR / f"{name}-phone.png"
    page.screenshot(path=str(desktop), full_page=True, animations="disabled", caret="hide")
    desktop_width = page.evaluate(SCROLL_WIDTH)
    mobile = page.context.browser.new_context(
        viewport=PHONE,
        screen=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=1,
        locale="vi-VN",
        storage_state=page.context.storage_state(),
    )
    violations = watch_policies(mobile)
    try:
        mobile.set_default_timeout(TIMEOUT_MS)
        phone_page = mobile.new_page()
        phone_page.goto(page.url)
        phone_page.screenshot(path=str(phone), full_page=True, animations="disabled", caret="hide")
        phone_width = phone_page.evaluate(SCROLL_WIDTH)
    finally:
        mobile.close()
    assert_no_violations(violations)
    return Shots(desktop, phone, desktop_width, phone_width)


def axe_check(page) -> None:
    """axe-core on the page: no violation of impact serious or critical."""
    from axe_playwright_python.sync_playwright import Axe

    assert_styled(page)
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in {"serious", "critical"}]
    if bad:
        lines = []
        for v in bad:
            targets = [" ".join(map(str, node.get("target", []))) for node in v["nodes"]]
            shown = "; ".join(targets[:5]) + (
                f"; … ({len(targets)} in all)" if len(targets) > 5 else ""
            )
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} — {shown}")
        raise AssertionError(
            f"axe: {len(bad)} serious/critical violation(s) on {page.url}\n" + "\n".join(lines)
        )
