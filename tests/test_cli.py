"""The CLI: `ogi findings` over a real dataset, and the CLI reference kept honest."""

from pathlib import Path

from extractors.dataset.store import write_dataset
from extractors.pipeline import process_path
from flows.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"


def test_findings_command_filters_by_check_and_report(tmp_path, capsys):
    out = tmp_path / "out"
    write_dataset([process_path(p, RAW) for p in sorted(RAW.glob("0*.txt"))], out)
    assert main(["findings", "--out", str(out), "--check", "unmatched_label"]) == 0
    text = capsys.readouterr().out
    assert "003_ac1d9afdc6b90a14.txt" in text and "1 finding(s)" in text
    assert main(["findings", "--out", str(out), "--report", "004_36850fe6bf2de14a.txt"]) == 0
    text = capsys.readouterr().out
    assert "placement_inferred" in text and "003_" not in text
    assert main(["findings", "--out", str(tmp_path / "missing")]) == 2
    assert "Error: no findings.parquet" in capsys.readouterr().err


def test_every_command_is_documented():
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    parser = build_parser()
    for action in parser._actions:  # options of `ogi` itself (--version)
        for opt in action.option_strings:
            if opt.startswith("--") and opt != "--help":
                assert f"ogi {opt}" in doc, f"docs/cli.md misses `ogi {opt}`"
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        assert f"## ogi {name}" in doc, f"docs/cli.md does not document `ogi {name}`"
        for action in p._actions:
            for opt in action.option_strings:
                if opt.startswith("--") and opt != "--help":
                    assert opt in doc, f"docs/cli.md misses {opt} of `ogi {name}`"


def test_format_override_is_used_and_recorded():
    from extractors.pipeline import process_path

    page = next((RAW / "samples").glob("*.html"))
    assert process_path(page, RAW).report["format"] == "html"
    forced = process_path(page, RAW, fmt="txt").report
    assert forced["format"] == "txt"  # read as plain text: the markup is not parsed
    assert forced["status"] != "ok"


def test_known_finding_kinds_match_the_data_dictionary():
    """`ogi findings --check` knows the kinds the data dictionary lists, and no others."""
    import re

    from extractors.dataset.query import FINDING_FAMILIES, FINDING_KINDS, known_checks

    doc = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    section = doc.split("Finding kinds:", 1)[1].split("\n\n", 2)[1]
    first_cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    listed = {k for cell in first_cells for k in re.findall(r"`([a-z_.*]+)`", cell)}
    statuses = {"too_large", "needs_ocr"}
    assert set(FINDING_KINDS) <= listed
    assert {f + "*" for f in FINDING_FAMILIES} <= listed
    assert {k for k in listed - statuses if "*" not in k} <= set(known_checks())
