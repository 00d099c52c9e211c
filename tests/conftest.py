"""Shared fixtures. Prefect runs in a temporary, private home so tests touch nothing global.

Tests marked `pdf` render new PDFs with LibreOffice, the one program outside Python the suite
uses: without `soffice` on PATH they are skipped with one line naming what to install, and
under OGI_REQUIRE_SOFFICE=1 (which .ci/run sets) they fail instead, so CI always runs them.
Everything else, the PDF reader and its accuracy floor included, reads committed PDFs.
"""

import os
import tempfile
from pathlib import Path

import pytest

_PREFECT_HOME = tempfile.mkdtemp(prefix="ogi-test-prefect-")
os.environ.setdefault("PREFECT_HOME", _PREFECT_HOME)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")  # a fresh database migrates slowly

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = sorted(RAW.glob("0*.txt"))
REQUIRE_SOFFICE = "OGI_REQUIRE_SOFFICE"
REQUIRE_BROWSER = "OGI_REQUIRE_BROWSER"
BROWSER_HINT = "apt-get install chromium"


def browser() -> str | None:
    """The headless browser the `browser` tests use (Debian's chromium), if installed."""
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_runtest_setup(item):
    """Skip (or, under OGI_REQUIRE_SOFFICE=1, fail) a `pdf` test when LibreOffice is missing;
    the same for a `browser` test without chromium (OGI_REQUIRE_BROWSER=1)."""
    if item.get_closest_marker("browser") is not None and browser() is None:
        reason = f"needs a headless browser (chromium not on PATH); {BROWSER_HINT}"
        if os.environ.get(REQUIRE_BROWSER) == "1":
            pytest.fail(f"{reason} ({REQUIRE_BROWSER}=1: CI must run it)", pytrace=False)
        pytest.skip(reason)
    if item.get_closest_marker("pdf") is None:
        return
    from benchmarks.synth.write_pdf import INSTALL_HINT, soffice

    if soffice() is None:
        reason = f"needs LibreOffice to render PDFs (soffice not on PATH); {INSTALL_HINT}"
        if os.environ.get(REQUIRE_SOFFICE) == "1":
            pytest.fail(f"{reason} ({REQUIRE_SOFFICE}=1: CI must run it)", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def prefect_harness():
    """One embedded Prefect server for every flow test in the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def research_dataset(tmp_path_factory):
    """A dataset extracted by `ogi extract` from real files: the hand-checked real reports and
    the seeds of data/raw (shared by the export, quality-report and notebook tests)."""
    import shutil

    from flows.cli import main

    src = tmp_path_factory.mktemp("research-input")
    shutil.copytree(FIXTURES / "real", src / "real", ignore=shutil.ignore_patterns("*.jsonl", "*.md"))
    for seed in SEEDS:
        shutil.copy(seed, src / seed.name)
    out = tmp_path_factory.mktemp("research-dataset")
    assert main(["extract", str(src), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    return out
