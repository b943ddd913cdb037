"""The suite's check of its own output (``tests/privacy/log_capture.py``) catches a leak: a pytest
run of a tiny test that writes a whole CCCD through a handler whose mask was removed, and gets a
redirect to an address holding one, ends with a failure naming both."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.test import SimpleTestCase

from tests.privacy.log_capture import whole_numbers

ROOT = Path(__file__).resolve().parents[2]
NUMBER = "001098000457"

LEAKING_TEST = f'''
import logging

from django.test import Client

from ptdv.masking import MaskNumbersFilter


def test_a_handler_without_its_mask_and_a_number_in_a_redirect():
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    masks = [f for f in handler.filters if isinstance(f, MaskNumbersFilter)]
    assert masks
    for mask in masks:
        handler.removeFilter(mask)
    try:
        logging.getLogger("ptdv.example").warning("row with %s refused", "{NUMBER}")
        logging.getLogger("ptdv.example").info("info with %s", "{NUMBER}")  # below WARNING too
    finally:
        for mask in masks:
            handler.addFilter(mask)
    logging.getLogger("ptdv.example").warning("masked: %s", "{NUMBER}")  # not a leak
    client = Client()
    assert client.get("/tien-trinh/?q={NUMBER}").status_code == 302  # to the login page
    client.get("/khong-co-trang-nay/{NUMBER}/")  # the test's own address: not a leak
    assert client.get("/nguoi/987654321/").status_code == 302  # a missing id comes back: no leak


def test_nothing_leaks_here():
    logging.getLogger("ptdv.example").warning("hồ sơ 1234, ngày 20260106, 0.1234567890 giây")
'''


class WholeNumberPatternTests(SimpleTestCase):
    def test_what_counts_as_a_whole_number(self):
        for text in (NUMBER, f"=({NUMBER})", f"/{NUMBER}/", "CMND 123456789", f"x_{NUMBER}.xlsx"):
            self.assertEqual(whole_numbers(text), {NUMBER if NUMBER in text else "123456789"})
        for text in ("001******457", "12345678", "20260106", "2026-01-06 12:30:45", "a123456789b",
                     "0.123456789012", "/nguoi/1234/", "token Zk1234567890x",
                     "/dbtaskresult/00000000-0000-0000-0000-000000000000/"):  # fmt: skip
            self.assertEqual(whole_numbers(text), set(), text)


class LeakTests(SimpleTestCase):
    def test_a_leak_fails_the_run_and_is_named(self):
        self.assert_leak_named()

    def test_a_leak_in_a_worker_of_a_parallel_run_fails_the_run(self):
        # pytest-xdist: each worker checks its own lines and addresses, the controller gathers
        # them, names them and fails the run.
        output = self.assert_leak_named("-n", "2")
        self.assertIn("bringing up nodes", output)

    def assert_leak_named(self, *options: str) -> str:
        test_dir = Path(self.enterContext(_temporary_directory()))
        (test_dir / "test_leak.py").write_text(LEAKING_TEST, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             "-p", "tests.privacy.log_capture", "-c", str(ROOT / "pyproject.toml"),
             "--rootdir", str(test_dir), *options, str(test_dir / "test_leak.py")],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        output = run.stdout + run.stderr
        self.assertIn("2 passed", output)  # the tests themselves pass ...
        self.assertEqual(run.returncode, 1, output)  # ... the run fails
        self.assertIn("whole numbers in log lines or addresses", output)
        self.assertIn(f"row with {NUMBER} refused", output)
        self.assertIn(f"info with {NUMBER}", output)
        self.assertIn(
            "test_a_handler_without_its_mask_and_a_number_in_a_redirect [log root", output
        )
        self.assertIn("[Location of /tien-trinh/]", output)
        self.assertIn(f"?next=/tien-trinh/?q={NUMBER}", output)
        self.assertNotIn("khong-co-trang-nay", output)
        self.assertNotIn("987654321", output)
        self.assertNotIn("masked: 001******457", output)
        self.assertNotIn("test_nothing_leaks_here", output)
        return output


def _temporary_directory():
    import tempfile

    return tempfile.TemporaryDirectory(prefix="ptdv-leak-")
