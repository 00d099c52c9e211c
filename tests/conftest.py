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


def pytest_runtest_setup(item):
    """Skip (or, under OGI_REQUIRE_SOFFICE=1, fail) a `pdf` test when LibreOffice is missing."""
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
