"""Bad input gets a clear status and reason; nothing raises."""

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


def test_old_word_file_is_unsupported_not_a_crash():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512 + "WordDocument".encode("utf-16-le")
    rep = process_bytes(data, "report.doc").report
    assert rep["status"] == "unsupported_format" and "Word 97-2003 (.doc)" in rep["error"]


def test_image_needs_ocr():
    rep = process_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "scan.png").report
    assert rep["status"] == "needs_ocr"
