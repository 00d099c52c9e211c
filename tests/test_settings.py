"""The one settings object: defaults, validation by name, and how it reaches the readers."""

from __future__ import annotations

import os
import pickle

import pytest
from reportgen import consistent_values, tab_split_report

from extractors.errors import EmptyDocument
from extractors.formats import MODULES, READERS, reader_for
from extractors.pipeline import process_bytes
from extractors.settings import DEFAULT, ENV_VARS, Settings


def test_the_defaults_are_what_a_plain_run_gets(monkeypatch):
    for var, _ in ENV_VARS.values():
        monkeypatch.delenv(var, raising=False)
    assert Settings() == DEFAULT == Settings.from_env()


def test_by_default_labels_are_matched_fuzzily():
    # a typo (予已 for 予以) is matched by the default scorer, not by the exact baseline
    text = tab_split_report(consistent_values()).replace("（一）予以公开", "（一）予已公开")
    rows = {}
    for settings in (DEFAULT, Settings(scorer="exact")):
        values = process_bytes(text.encode(), "typo.txt", settings=settings).values
        rows[settings.scorer] = {v["row"] for v in values if v["raw_row_label"] and "予已公开" in v["raw_row_label"]}
    assert rows == {"fuzzy": {"results.disclosed"}, "exact": {None}}


def test_by_default_every_format_is_read_in_one_long_lived_worker(monkeypatch, tmp_path):
    def recording(fmt):
        def extract(data, name, settings=None):
            (tmp_path / fmt).write_text(str(os.getpid()))  # the worker reports through the file
            raise EmptyDocument(f"{name}: stop here")
        return extract

    own = [fmt for fmt in READERS if fmt not in MODULES]  # wps and rtf are read by the doc module
    for fmt in own:
        monkeypatch.setattr(reader_for(fmt), "extract", recording(fmt))
    for settings in (DEFAULT, Settings(sandboxed_formats=())):
        for fmt in own:
            assert process_bytes(b"x", f"a.{fmt}", fmt=fmt, settings=settings).report["error"] == f"a.{fmt}: stop here"
        pids = {int((tmp_path / fmt).read_text()) for fmt in own}
        if settings is DEFAULT:
            assert len(pids) == 1 and os.getpid() not in pids  # one worker, not a child per document
        else:
            assert pids == {os.getpid()}


@pytest.mark.parametrize("field,value", [
    ("scorer", "fuzzzy"), ("pdf_geometry", "pdfminer"), ("timeout_s", 0), ("memory_mb", -1),
    ("max_input_bytes", "big"), ("timeout_s", True), ("sandboxed_formats", ("pdf", "xls")),
    ("timeout_s", float("nan")), ("memory_mb", float("inf")),
])
def test_a_bad_value_is_rejected_by_name(field, value):
    with pytest.raises(ValueError, match=f"Settings.{field}"):
        Settings(**{field: value})


def test_with_validates_and_rejects_unknown_fields():
    assert DEFAULT.with_(scorer="exact").scorer == "exact"
    with pytest.raises(ValueError, match="no field"):
        DEFAULT.with_(geometry="pdfium")
    with pytest.raises(ValueError, match="Settings.scorer"):
        DEFAULT.with_(scorer="nope")


def test_from_env_reads_the_geometry_switch(monkeypatch):
    monkeypatch.setenv("OGI_PDF_GEOMETRY", "pdfplumber")
    assert Settings.from_env().pdf_geometry == "pdfplumber"
    assert Settings.from_env(pdf_geometry="pdfium").pdf_geometry == "pdfium"  # an override wins
    monkeypatch.setenv("OGI_PDF_GEOMETRY", "bogus")
    with pytest.raises(ValueError, match="pdf_geometry"):
        Settings.from_env()


def test_settings_travel_to_worker_processes_unchanged():
    s = Settings(scorer="exact", timeout_s=5, sandboxed_formats=["pdf", "txt"])
    assert s.sandboxed_formats == ("pdf", "txt")
    assert pickle.loads(pickle.dumps(s)) == s


def test_the_limits_can_be_changed_for_a_run_from_the_environment(monkeypatch):
    monkeypatch.setenv("OGI_TIMEOUT_S", "2.5")
    monkeypatch.setenv("OGI_MEMORY_MB", "512")
    monkeypatch.setenv("OGI_SANDBOXED_FORMATS", "pdf, docx")
    s = Settings.from_env()
    assert (s.timeout_s, s.memory_mb, s.sandboxed_formats) == (2.5, 512, ("pdf", "docx"))
    monkeypatch.setenv("OGI_SANDBOXED_FORMATS", "")
    assert Settings.from_env().sandboxed_formats == ()  # every format in-process


@pytest.mark.parametrize("var,raw,message", [
    ("OGI_TIMEOUT_S", "soon", "OGI_TIMEOUT_S must be a number, not 'soon'"),
    ("OGI_MEMORY_MB", "-1", "OGI_MEMORY_MB='-1': Settings.memory_mb must be a positive number, not -1"),
    ("OGI_SANDBOXED_FORMATS", "pdf,xls", "OGI_SANDBOXED_FORMATS='pdf,xls': Settings.sandboxed_formats: unknown"),
])
def test_a_bad_limit_in_the_environment_is_named(monkeypatch, var, raw, message):
    monkeypatch.setenv(var, raw)
    with pytest.raises(ValueError) as caught:
        Settings.from_env()
    assert str(caught.value).startswith(message)
