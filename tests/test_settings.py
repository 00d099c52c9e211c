"""The one settings object: defaults, validation by name, and how it reaches the readers."""

from __future__ import annotations

import pickle

import pytest

from extractors.settings import DEFAULT, Settings


def test_defaults_are_the_documented_ones():
    assert DEFAULT.scorer == "fuzzy" and DEFAULT.pdf_geometry == "pdfium"
    assert DEFAULT.sandboxed_formats == ("pdf",)


@pytest.mark.parametrize("field,value", [
    ("scorer", "fuzzzy"), ("pdf_geometry", "pdfminer"), ("timeout_s", 0), ("memory_mb", -1),
    ("max_input_bytes", "big"), ("timeout_s", True), ("sandboxed_formats", ("pdf", "doc")),
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
