"""The suite checks its own output: no whole identity number in any log line or address.

During the whole pytest session this plugin (registered by ``tests/conftest.py``) records

- every line that ptdv's configured logging handlers (``settings.LOGGING``) would write: a tap
  beside each configured handler, on the root logger and on every logger that has handlers of
  its own (``django.server`` does not propagate), applies that handler's own filters (the
  ``mask_numbers`` filter among them, looked up at each record; ``require_debug_true`` is
  ignored, so that what a developer would see with ``DEBUG`` is checked too) and its formatter,
  at level INFO: the loggers are lowered to INFO for the session, and a gate keeps the
  configured handlers writing exactly what they wrote before;
- every request through Django's handlers — the test client's, and the live server's of the e2e
  tests in its own thread — with ``request.get_full_path()``, and the addresses its response
  sends the browser to (``Location``, htmx's ``HX-Redirect``, ``HX-Location``, ``HX-Push-Url``,
  ``HX-Replace-Url``).

A whole number is a run of nine or more digits standing alone (a CCCD has twelve, an old CMND
nine; ids, counts, years, dates such as ``20260106`` are shorter): not inside a word or a token
(``a1b2…``), not the decimals of a number (``0.123456789``), not a group of a UUID. At the end
of the session the run fails (exit status "tests failed", the summary naming each line or
address, the test that produced it and where it came from) if there is one in

- a log line;
- an address the product made: a redirect or an htmx header, or an address the browser asked
  of the live server (the product's own links and forms). A number that the request's own
  address held may come back (a redirect keeps the id of a missing object), unless it has the
  twelve digits of a CCCD.

An address a test gives the test client is the test's own input (an id that does not exist,
fuzzed values, a CCCD sent to prove it is refused): it is counted, and only what the product
makes of it is checked.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from urllib.parse import unquote_plus

import pytest

#: A run of nine or more digits standing alone: not after or before a letter or a digit (a token,
#: a hash), not the decimals of a number (``0.123456789``).
WHOLE_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?<!\d\.)\d{9,}(?![0-9A-Za-z])")
#: A UUID, whose groups of hexadecimal digits may all be digits by chance.
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
#: The length of a CCCD: a number the client sent is not excused when it comes back in an address.
CCCD_DIGITS = 12
#: The response headers that send the browser to an address.
ADDRESS_HEADERS = ("Location", "HX-Redirect", "HX-Location", "HX-Push-Url", "HX-Replace-Url")
#: Lines and addresses named in the report, at most.
REPORTED = 50
#: The level the taps listen at (the loggers are lowered to it for the session).
LEVEL = logging.INFO


@dataclass(frozen=True)
class Finding:
    kind: str  # "log <logger> via <handler>", "request", "redirect"
    test: str  # the test running when it was written, or "(outside a test)"
    text: str


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.findings: dict[Finding, None] = {}  # ordered, without duplicates
        self.lines = 0
        self.addresses = 0
        self.test = "(outside a test)"
        self.undo: list = []
        self.active = False

    def check(self, kind: str, text: str) -> None:
        if text and whole_numbers(text):
            with self.lock:
                self.findings.setdefault(Finding(kind, self.test, text), None)

    def check_address(self, kind: str, address: str, given: frozenset[str] = frozenset()) -> None:
        """An address, decoded too (``%3D001098000457`` is ``=001098000457``; a ``next``
        parameter may be encoded twice); numbers in ``given`` (the client's own) are not counted."""
        if any(number not in given or len(number) == CCCD_DIGITS for number in numbers_in(address)):
            self.check(kind, _decoded(address))


def _decoded(address: str) -> str:
    for _ in range(3):
        decoded = unquote_plus(address)
        if decoded == address:
            break
        address = decoded
    return address


def numbers_in(address: str) -> frozenset[str]:
    """The whole numbers of an address, decoded."""
    return whole_numbers(_decoded(address))


def whole_numbers(text: str) -> frozenset[str]:
    """The runs of :data:`WHOLE_NUMBER` in ``text``, UUIDs left aside (a task's id)."""
    return frozenset(WHOLE_NUMBER.findall(UUID.sub("-", text)))


STATE = _State()


def _debug_gate(flt) -> bool:
    from django.utils.log import RequireDebugFalse, RequireDebugTrue

    return isinstance(flt, (RequireDebugTrue, RequireDebugFalse, _OriginalLevel))


class _Tap(logging.Handler):
    """Beside a configured handler: what that handler would write, through its own filters
    (looked up at each record, so a filter removed by mistake shows) and its formatter."""

    def __init__(self, logger_name: str, handler: logging.Handler) -> None:
        super().__init__(logging.NOTSET)
        self.configured = handler
        self.kind = f"log {logger_name} via handler {handler.name!r}"

    def emit(self, record: logging.LogRecord) -> None:
        try:
            for flt in self.configured.filters:
                if _debug_gate(flt):
                    continue
                result = flt.filter(record) if hasattr(flt, "filter") else flt(record)
                if not result:
                    return
                if isinstance(result, logging.LogRecord):
                    record = result
            text = self.configured.format(record)
        except Exception as error:  # the check must not break the test that logged
            text = f"(unformattable record {record.name}: {error!r}) {record.msg!r} {record.args!r}"
        with STATE.lock:
            STATE.lines += 1
        STATE.check(self.kind, text)


class _OriginalLevel(logging.Filter):
    """On the configured handlers: lets through only the records that the loggers' original
    levels let through, so that lowering the loggers changes nothing the handlers write."""

    def __init__(self, levels: dict[str, int]) -> None:
        super().__init__()
        self.levels = levels  # the original level of each logger that was lowered

    def filter(self, record: logging.LogRecord) -> bool:
        logger = logging.getLogger(record.name)
        while logger is not None:
            level = self.levels.get(logger.name, logger.level)
            if level:
                return record.levelno >= level
            logger = logger.parent
        return True


def _install_logging_taps() -> None:
    from django.conf import settings

    configured = settings.LOGGING
    handler_names = set(configured.get("handlers", {}))
    loggers = [logging.getLogger()] + [
        logging.getLogger(name)
        for name, spec in configured.get("loggers", {}).items()
        if spec.get("handlers")
    ]
    handlers = []
    for logger in loggers:
        for handler in [h for h in logger.handlers if h.name in handler_names]:
            handlers.append(handler)
            tap = _Tap(logger.name, handler)
            logger.addHandler(tap)
            STATE.undo.append(lambda logger=logger, tap=tap: logger.removeHandler(tap))
    lowered = {logger.name: logger.level for logger in loggers if logger.level > LEVEL}
    if lowered:
        gate = _OriginalLevel(lowered)
        for handler in dict.fromkeys(handlers):
            handler.addFilter(gate)
            STATE.undo.append(lambda handler=handler: handler.removeFilter(gate))
        for logger in loggers:
            if logger.name in lowered:
                STATE.undo.append(lambda logger=logger: logger.setLevel(lowered[logger.name]))
                logger.setLevel(LEVEL)


def _install_request_taps() -> None:
    """Every request through Django's handlers (the test client's, the live server's)."""
    from django.core.handlers.base import BaseHandler

    get_response = BaseHandler.get_response
    get_response_async = BaseHandler.get_response_async

    from django.test.client import AsyncClientHandler, ClientHandler

    def record(handler, request, response) -> None:
        with STATE.lock:
            STATE.addresses += 1
        asked = request.get_full_path()
        if isinstance(handler, ClientHandler | AsyncClientHandler):
            # The test's own input (an id that does not exist, a fuzzed value, a number sent to
            # prove it is refused): only what the product makes of it is checked.
            given = numbers_in(asked)
        else:  # the live server: a browser asks for the addresses of the product's pages
            given = frozenset()
            STATE.check_address("address asked of the live server", asked)
        if response is None:
            return
        for header in ADDRESS_HEADERS:
            if response.has_header(header):
                # A number the request's address held may come back (a missing object's id).
                STATE.check_address(f"{header} of {request.path}", response[header], given)

    def tapped(self, request):
        response = get_response(self, request)
        record(self, request, response)
        return response

    async def tapped_async(self, request):
        response = await get_response_async(self, request)
        record(self, request, response)
        return response

    BaseHandler.get_response = tapped
    BaseHandler.get_response_async = tapped_async

    def undo() -> None:
        BaseHandler.get_response = get_response
        BaseHandler.get_response_async = get_response_async

    STATE.undo.append(undo)


# --- pytest hooks --------------------------------------------------------------------------


def pytest_sessionstart(session: pytest.Session) -> None:
    if STATE.active:
        return
    STATE.active = True
    _install_logging_taps()
    _install_request_taps()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    STATE.test = item.nodeid
    try:
        return (yield)
    finally:
        STATE.test = "(outside a test)"


#: The key under which a pytest-xdist worker sends its findings and counts to the controller.
WORKER_OUTPUT = "ptdv_whole_numbers"


def pytest_sessionfinish(session: pytest.Session, exitstatus) -> None:
    while STATE.undo:
        STATE.undo.pop()()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        # A pytest-xdist worker: its lines and addresses were checked here, in its own process;
        # the controller gathers every worker's findings, fails the run and names them.
        workeroutput[WORKER_OUTPUT] = {
            "findings": [[f.kind, f.test, f.text] for f in STATE.findings],
            "lines": STATE.lines,
            "addresses": STATE.addresses,
        }
    if STATE.findings and session.exitstatus in (
        pytest.ExitCode.OK,
        pytest.ExitCode.NO_TESTS_COLLECTED,
    ):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """The controller of a pytest-xdist run: a worker's findings and counts, added to its own
    (a worker that crashed sends none: its tests are reported as failed anyway)."""
    sent = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT)
    if not sent:
        return
    with STATE.lock:
        STATE.lines += sent["lines"]
        STATE.addresses += sent["addresses"]
        for kind, test, text in sent["findings"]:
            STATE.findings.setdefault(Finding(kind, test, text), None)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not STATE.active:
        return
    findings = list(STATE.findings)
    if not findings:
        terminalreporter.write_line(
            f"No whole number (nine digits or more) in {STATE.lines} log lines and "
            f"{STATE.addresses} requested addresses."
        )
        return
    terminalreporter.section(
        "whole numbers in log lines or addresses", sep="=", red=True, bold=True
    )
    terminalreporter.write_line(
        f"{len(findings)} log lines or addresses hold a run of nine or more digits (a CCCD must "
        "be masked as 001******457 in every log line, address and redirect):",
        red=True,
    )
    for finding in findings[:REPORTED]:
        terminalreporter.write_line(f"- {finding.test} [{finding.kind}]")
        for line in finding.text.splitlines() or [""]:
            if whole_numbers(line):
                terminalreporter.write_line(f"    {line[:300]}")
    if len(findings) > REPORTED:
        terminalreporter.write_line(f"… and {len(findings) - REPORTED} more.")
