"""The reader sandbox (extractors/sandbox.py): time and memory limits for any reader."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from extractors.errors import DocumentTooLarge, UnreadableDocument
from extractors.formats import pdf as pdf_reader
from extractors.formats import txt as txt_reader
from extractors.sandbox import read_limited
from extractors.settings import Settings

FIX = Path(__file__).resolve().parent / "fixtures"
HONGZE = FIX / "real" / "hongze-2024.pdf"
SEED = Path(__file__).resolve().parent.parent / "data" / "raw" / "000_67aac09db402278c.txt"


def _texts(doc):
    return [[c.text for c in r.cells] for r in doc.rows]


@pytest.mark.parametrize("reader,path", [(pdf_reader, HONGZE), (txt_reader, SEED)])
def test_a_sandboxed_reader_returns_the_same_document(reader, path):
    data = path.read_bytes()
    assert _texts(read_limited(reader, data, path.name)) == _texts(reader.extract(data, path.name))


def test_documented_errors_pass_through_the_sandbox():
    with pytest.raises(UnreadableDocument, match="encrypted"):
        read_limited(pdf_reader, (FIX / "pdf" / "encrypted-user-password.pdf").read_bytes(), "locked.pdf")


def test_the_sandbox_stops_a_runaway_reader(monkeypatch):
    def hang(data, name, settings=None):
        time.sleep(30)

    monkeypatch.setattr(txt_reader, "extract", hang)
    t0 = time.monotonic()
    with pytest.raises(DocumentTooLarge, match="time limit"):
        read_limited(txt_reader, b"x", "slow.txt", Settings(timeout_s=0.5), start_method="fork")
    assert time.monotonic() - t0 < 10


def test_the_sandbox_caps_memory(monkeypatch):
    def hog(data, name, settings=None):
        blocks = []
        for _ in range(64):
            blocks.append(bytearray(64 * 1024 * 1024))
        return blocks

    monkeypatch.setattr(pdf_reader, "extract", hog)
    with pytest.raises(DocumentTooLarge, match="memory"):
        read_limited(pdf_reader, b"%PDF-", "hog.pdf", Settings(timeout_s=30, memory_mb=256), start_method="fork")
