"""Bad input gets a clear status and reason; nothing raises."""

import shutil

from extractors.pipeline import process_bytes


def test_empty_file():
    rep = process_bytes(b"", "empty.txt").report
    assert rep["status"] == "failed" and "empty.txt" in rep["error"] and "empty" in rep["error"]


def test_whitespace_only_file():
    rep = process_bytes(b"  \n\t\n", "blank.txt").report
    assert rep["status"] == "failed" and "empty" in rep["error"]


def test_binary_file_with_txt_name():
    data = bytes(range(256)) * 40
    rep = process_bytes(data, "junk.txt").report
    assert rep["status"] == "failed" and "junk.txt" in rep["error"] and "binary" in rep["error"]


def test_text_that_is_not_a_report():
    data = "会议纪要\n今天讨论了食堂菜单。\n与会人员：张三、李四。\n".encode()
    rep = process_bytes(data, "minutes.txt").report
    assert rep["status"] == "not_a_report" and rep["format"] == "txt"
    assert "no statistical tables" in rep["error"]


def test_a_broken_old_word_file_is_a_status_not_a_crash():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512 + "WordDocument".encode("utf-16-le")
    rep = process_bytes(data, "report.doc").report
    if shutil.which("soffice"):
        assert (rep["status"], rep["format"]) == ("failed", "doc")
        assert rep["error"].startswith("report.doc: LibreOffice could not convert it")
    else:
        assert rep["status"] == "unsupported_format" and "apt-get install libreoffice-writer-nogui" in rep["error"]


def test_a_corrupt_image_is_unreadable():
    rep = process_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "scan.png").report
    assert (rep["status"], rep["format"]) == ("failed", "image")
    assert rep["error"] == "scan.png: the image cannot be decoded (corrupt or truncated)"


def test_structured_formats_bad_input_gets_a_status(tmp_path):
    import io
    import zipfile
    from pathlib import Path

    docx = (Path(__file__).parent / "fixtures" / "docx" / "table3-split-in-two.docx").read_bytes()
    rep = process_bytes(docx[: len(docx) // 2], "cut.docx").report
    assert rep["status"] == "failed" and "cut.docx" in rep["error"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\0" * (300 * 1024 * 1024))  # 300 MB of zeros, a few hundred KB packed
    rep = process_bytes(buf.getvalue(), "bomb.docx").report
    assert rep["status"] == "too_large" and "bomb.docx" in rep["error"]
    page = "<html><head><title>通知</title></head><body><p>关于开展工作的通知。</p></body></html>"
    rep = process_bytes(page.encode(), "notice.html").report
    assert rep["format"] == "html" and rep["status"] == "not_a_report"


def test_a_runaway_pdf_is_cut_off_and_reported():
    from pathlib import Path

    from extractors.settings import Settings

    data = (Path(__file__).parent / "fixtures" / "real" / "hongze-2024.pdf").read_bytes()
    rep = process_bytes(data, "slow.pdf", settings=Settings(timeout_s=0.001)).report  # no PDF reads that fast
    assert rep["status"] == "too_large" and "time limit" in rep["error"]
    assert process_bytes(data, "hongze.pdf").report["status"] == "ok"  # and the next document is read
