"""`ogi report`: one self-contained HTML page, opened in a real headless browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from flows.cli import main

ARTIFACTS = Path(__file__).resolve().parents[1] / ".artifacts"
# Chromium's own start-up noise on a machine without D-Bus or a GPU; not the page's.
NOISE = re.compile(r"dbus|gpu|GLES|viz|ALSA|sandbox|Fontconfig|net_error|ssl_client|gcm|crashpad|zygote", re.I)


@pytest.fixture(scope="module")
def page(research_dataset, tmp_path_factory):
    to = tmp_path_factory.mktemp("report") / "quality.html"
    assert main(["report", "--out", str(research_dataset), "--to", str(to)]) == 0
    return to


def test_page_is_self_contained(page):
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing from the network
    assert html.count('<svg class="plot"') == 5
    assert "平潭综合实验区" in html and "福建省" in html


@pytest.mark.browser
def test_every_plot_renders_in_a_headless_browser(page):
    chrome = shutil.which("chromium") or shutil.which("chromium-browser")  # as conftest.browser() finds it
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--virtual-time-budget=3000"]
    dom = subprocess.run([chrome, *flags, "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    body = re.search(r"<body[^>]*>", dom.stdout)
    assert body, dom.stderr[-2000:]
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(0)))
    assert attrs["data-plots"] == "5" and attrs["data-plots-rendered"] == "5", attrs
    assert attrs["data-errors"] == "0"
    logged = [ln for ln in dom.stderr.splitlines() if ("CONSOLE" in ln or "Uncaught" in ln) and not NOISE.search(ln)]
    assert logged == []
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "quality-report.png"
    shot.unlink(missing_ok=True)
    subprocess.run([chrome, *flags, "--window-size=1200,2400", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 10_000  # a page with plots, not a blank one
