"""Where a person expects one line (issue #16, item 8): bad options are one `Error:` line
and exit 2, fast; a run that fails prints one line naming the log that has Prefect's
traceback; names are printed escaped. Real processes and real sockets on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from extractors.dataset.store import write_dataset
from extractors.pipeline import process_path
from flows.cli import EXIT_NOTHING_READ, EXIT_USAGE, main

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
SEEDS = sorted(RAW.glob("0*.txt"))
OGI = [sys.executable, "-m", "flows.cli"]
# A usage error is found before anything is imported or started: the CLI's own start-up
# (~1 s, more on a loaded machine) plus at most flows.runtime.DASK_CONNECT_TIMEOUT_S.
USAGE_ERROR_LIMIT_S = 15


def _ogi(*args: str, env: dict | None = None, timeout: float = USAGE_ERROR_LIMIT_S):
    start = time.monotonic()
    inherited = {k: v for k, v in os.environ.items() if k != "PREFECT_LOGGING_SETTINGS_PATH"}  # set by a
    # test that ran `ogi` in-process: the run must choose its own, beside its PREFECT_HOME
    proc = subprocess.run([*OGI, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**inherited, "PYTHONPATH": str(ROOT), **(env or {})})
    return proc, time.monotonic() - start


def _one_error_line(text: str) -> str:
    lines = [x for x in text.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), text
    return lines[0]


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now: connecting is refused
    return port


def test_a_bad_dask_address_is_one_line_and_fails_fast(tmp_path):
    for address, said in (("foo", "is not a scheduler address"), ("tcp://127.0.0.1:99999", "is not a scheduler"),
                          (f"tcp://127.0.0.1:{_closed_port()}", "Connection refused")):
        proc, seconds = _ogi("extract", str(RAW), "--out", str(tmp_path / "out"), "--dask-address", address)
        assert proc.returncode == EXIT_USAGE and seconds < USAGE_ERROR_LIMIT_S
        assert said in _one_error_line(proc.stderr) and proc.stdout == ""
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_a_server_that_is_not_a_dask_scheduler_is_named_within_the_timeout():
    from distributed import LocalCluster

    from flows.runtime import dask_address_problem

    silent = socket.socket()  # accepts connections and says nothing, like many services
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        start = time.monotonic()
        problem = dask_address_problem(f"tcp://127.0.0.1:{silent.getsockname()[1]}", timeout=0.5)
        assert "is not a Dask scheduler" in problem and time.monotonic() - start < 3
    finally:
        silent.close()
    with LocalCluster(n_workers=0, processes=False, protocol="tcp://", dashboard_address=None) as cluster:
        assert dask_address_problem(cluster.scheduler_address, timeout=5) is None  # a real one passes


def test_an_output_folder_that_cannot_be_written_is_a_usage_error(tmp_path, capsys):
    afile = tmp_path / "file"
    afile.write_text("x")
    for out, said in (("/proc/x", "cannot write the dataset there"), (str(afile), "is a file")):
        assert main(["extract", str(RAW), "--out", out]) == EXIT_USAGE
        line = _one_error_line(capsys.readouterr().err)
        assert said in line and out in line


def test_an_unknown_check_is_named_with_the_known_ones(tmp_path, capsys):
    out = tmp_path / "out"
    write_dataset([process_path(p, RAW) for p in SEEDS], out)
    assert main(["findings", "--out", str(out), "--check", "typo"]) == EXIT_USAGE
    line = _one_error_line(capsys.readouterr().err)
    assert "no check has that id" in line and "applications.balance" in line and "unmatched_label" in line
    assert main(["findings", "--out", str(out), "--check", "duplicate_row"]) == 0  # known, none here
    assert capsys.readouterr().out.strip() == "no findings"
    assert main(["findings", "--out", str(out), "--check", "pdf_table_stitched"]) == 0  # a reader note
    assert main(["findings", "--out", str(out), "--check", "nosuch."]) == EXIT_USAGE


def test_version_is_printed(capsys):
    from extractors.records import EXTRACTOR_VERSION

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip().endswith(f"(extractor {EXTRACTOR_VERSION})")


def test_names_in_errors_and_summaries_are_printed_escaped(tmp_path, capsys):
    from extractors.dataset.summary import RunSummary

    assert main(["extract", str(tmp_path / "evil\x1b]0;pwned\x07.txt")]) == EXIT_USAGE
    line = _one_error_line(capsys.readouterr().err)
    assert "\x1b" not in line and "\x07" not in line and "evil\\x1b]0;pwned\\x07.txt" in line
    summary = RunSummary(documents=1, out=str(tmp_path),
                         worst=[("a\x1b[2Jb.txt", "failed", "a\x1b[2Jb.txt: empty\nfile")],
                         skipped_inputs=[("\u202egnp.txt", "FIFO"), ("x\ry.txt", "hidden")])
    text = summary.format()
    assert not any(c in text for c in "\x1b\r\u202e") and "a\\x1b[2Jb.txt [failed]" in text
    assert "2 skipped: 1 FIFO (\\u202egnp.txt); 1 hidden (x\\x0dy.txt)" in text


def test_names_that_are_not_utf8_are_decoded_or_escaped():
    from extractors.discover import readable_name

    def as_python_sees(raw: bytes) -> str:
        return os.fsdecode(raw)

    assert readable_name("报告.txt") == ("报告.txt", None)
    assert readable_name(as_python_sees("省政府/报告.txt".encode("gbk"))) == ("省政府/报告.txt", "gb18030")
    mixed = "年报/".encode() + "报告.txt".encode("gbk")  # a UTF-8 folder holding a GBK name
    assert readable_name(as_python_sees(mixed)) == ("年报/报告.txt", "gb18030")
    assert readable_name(as_python_sees(b"\xff\xfe.txt")) == ("\\xff\\xfe.txt", "escaped")
    big5 = "報告".encode("big5")  # decodes as GB18030 only into private-use characters: not taken
    assert readable_name(as_python_sees(big5))[1] == "escaped"


def test_a_run_that_fails_prints_one_line_and_its_traceback_goes_to_the_log(tmp_path, prefect_harness):
    """A dataset folder broken by hand (`_versions` is a file) makes the commit fail inside
    the flow: Prefect's ERROR lines and the traceback go to the log file, the terminal
    gets one line that names it, in normal and in --quiet output (both runs at once)."""
    from prefect.settings import PREFECT_API_URL

    src, home = tmp_path / "src", tmp_path / "prefect-home"
    src.mkdir()
    for p in SEEDS[:2]:
        (src / p.name).write_bytes(p.read_bytes())
    env = {**{k: v for k, v in os.environ.items() if k != "PREFECT_LOGGING_SETTINGS_PATH"},
           "PYTHONPATH": str(ROOT), "PREFECT_HOME": str(home), "PREFECT_API_URL": PREFECT_API_URL.value()}
    runs = []
    start = time.monotonic()
    for quiet in ((), ("--quiet",)):
        out = tmp_path / f"out{len(runs)}"
        out.mkdir()
        (out / "_versions").write_text("not a folder")
        runs.append(subprocess.Popen([*OGI, "extract", str(src), "--out", str(out), *quiet], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for proc in runs:
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == EXIT_NOTHING_READ
        line = _one_error_line(stderr)
        assert "the run failed: NotADirectoryError" in line and f"details in {home / 'ogi.log'}" in line
        assert "Traceback" not in stdout + stderr and "ERROR" not in stdout + stderr
    assert time.monotonic() - start < 120
    log = (home / "ogi.log").read_text(encoding="utf-8")
    assert log.count("NotADirectoryError: [Errno 20]") >= 2 and "Traceback" in log
