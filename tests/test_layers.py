"""The layers of docs/architecture.md, kept by import-linter's contracts in ``.importlinter``.

A broken contract fails with import-linter's own report: which package imports which, by which
line. Every package of ptdv must have its place in the contracts, so that a new app is not left
out of them silently.
"""

from __future__ import annotations

import configparser
import pkgutil
import subprocess
import sys
from pathlib import Path

import ptdv

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".importlinter"

#: Packages of ptdv outside the layers: date and number formats, which Django's settings name
#: and which import nothing.
NOT_LAYERED = {"ptdv.formats"}


def _contracts() -> dict[str, configparser.SectionProxy]:
    parser = configparser.ConfigParser()
    parser.read(CONFIG, encoding="utf-8")
    prefix = "importlinter:contract:"
    return {
        name[len(prefix) :]: parser[name] for name in parser.sections() if name.startswith(prefix)
    }


def _lines(value: str) -> set[str]:
    """The modules of a contract's field (one per line; ``|`` separates a layer's siblings)."""
    out = set()
    for line in value.splitlines():
        line = line.split("#", 1)[0].strip()
        out |= {part.strip() for part in line.split("|") if part.strip()}
    return out


def _top_level() -> tuple[set[str], set[str]]:
    """ptdv's packages and its top-level modules."""
    packages, modules = set(), set()
    for info in pkgutil.iter_modules(ptdv.__path__):
        (packages if info.ispkg else modules).add(f"ptdv.{info.name}")
    return packages, modules


def test_the_contracts_hold():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports_command; lint_imports_command()",
            "--config",
            str(CONFIG),
            "--no-cache",
            "--no-logo",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, f"An import breaks the layers:\n{report}"
    assert "0 broken" in report, report


def test_every_package_has_its_layer():
    packages, modules = _top_level()
    layered = _lines(_contracts()["layers"]["layers"])
    assert packages - NOT_LAYERED <= layered, sorted(packages - NOT_LAYERED - layered)
    assert not layered - packages - modules, sorted(layered - packages - modules)


def test_the_bottom_modules_are_forbidden_everything_else():
    packages, modules = _top_level()
    contracts = _contracts()
    for contract, source in (
        ("rules-pure", "ptdv.rules"),
        ("xlsx-bottom", "ptdv.xlsx"),
        ("masking-bottom", "ptdv.masking"),
        ("labels-bottom", "ptdv.labels"),
    ):
        forbidden = _lines(contracts[contract]["forbidden_modules"])
        missing = (packages | modules) - {source} - forbidden
        assert not missing, f"{contract}: {sorted(missing)}"
    sources = _lines(contracts["web-on-top"]["source_modules"])
    # The API is the one package above the interface: it serves the pages' filters as its own.
    above = {"ptdv.web", "ptdv.api"}
    assert not packages - above - sources, sorted(packages - above - sources)
