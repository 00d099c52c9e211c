"""Old word-processor files (.doc, .wps, .rtf): converted to .docx by LibreOffice in
headless mode, then read by the .docx reader (`extractors.formats.docx`).

* `convert` - the `soffice --headless --convert-to docx` call: a private profile
  directory per process, a time limit, its own process group (killed whole on timeout);
* `reader` - the entry point `extract`: the format stays `doc` / `wps` / `rtf`, the
  document's `detail` says it went through LibreOffice.

Without LibreOffice the document is `unsupported_format` with the package to install.
"""

from extractors.formats.doc.reader import extract

__all__ = ["extract"]
