"""The run's settings: one validated object, passed explicitly from the CLI and the flows
down to the readers, the matcher and the sandbox (no module globals).

`Settings()` is the default everyone gets; a bad value is rejected by name::

    >>> Settings(scorer="fuzzzy")
    Traceback (most recent call last):
    ValueError: Settings.scorer must be one of 'fuzzy', 'exact', not 'fuzzzy'

The object is frozen and picklable, so it travels with a batch to a worker process or a
Dask worker unchanged. A run of `ogi` builds it with `Settings.from_env()`, so these
environment variables change it for one run: OGI_PDF_GEOMETRY (pdfium | pdfplumber), and
the sandbox's per-document limits OGI_TIMEOUT_S (seconds, default 60), OGI_MEMORY_MB
(default 1024) and OGI_SANDBOXED_FORMATS (comma-separated; empty: read every format
in-process, without limits).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields, replace

SCORERS = ("fuzzy", "exact")  # fuzzy: the real matcher; exact: the baseline of `ogi eval`
PDF_GEOMETRIES = ("pdfium", "pdfplumber")  # where the geometry of a PDF's table pages comes from
SANDBOXABLE_FORMATS = ("txt", "html", "docx", "pdf", "markdown", "doc", "wps", "rtf", "image")

# Per-document limits of the sandbox worker (extractors.sandbox), which reads a document and
# assembles its tables; override them per run (`Settings(timeout_s=..., memory_mb=...)`).
# Time, measured on this 2-core machine: a whole document takes 0.03-0.3 s of CPU (hongze-2024
# 0.24 s and the 39-page bench-40-pages fixture 0.30 s in a fresh process, pdfium geometry; the
# slow pdfplumber geometry stays under 1 s). 60 s is more than 100x the slowest real report
# and bounds a pathological file's cost in a batch.
DEFAULT_TIMEOUT_S = 60.0
# Memory: address space the worker may add, per document, to what it has when the document
# arrives (RLIMIT_AS = its size then + this). A document adds 1-10 MB (VmPeak - VmSize for
# hongze-2024, bench-40-pages and the corpus' largest docx, html and pdf), the worker's first
# PDF ~73 MB more (PDFium's set-up); 1 GB is two orders of magnitude above that and far
# below the 24 GB machine, so only a runaway parse (decompression bomb, huge inline image,
# pathological content stream, a 200 MB text file) reaches it.
DEFAULT_MEMORY_MB = 1024
# Input files larger than this are not read (a report is a few MB at most; 200 MB guards memory).
DEFAULT_MAX_INPUT_BYTES = 200 * 1024 * 1024
# Formats read in the sandbox by default: all of them. Every reader has met input that makes
# it (or the stages after it) run away: PDF content streams, a digit run for the regexes, a
# 200 MB text file (7.1 GB of memory in-process); the long-lived worker costs ~0.3 ms a
# document, not a fork (extractors.sandbox).
DEFAULT_SANDBOXED = SANDBOXABLE_FORMATS
# Environment variable that switches the PDF geometry for a manual cross-check run.
GEOMETRY_ENV = "OGI_PDF_GEOMETRY"
# Environment variables `Settings.from_env` reads: field -> (variable, how its text is read).
ENV_VARS = {
    "pdf_geometry": (GEOMETRY_ENV, str),
    "timeout_s": ("OGI_TIMEOUT_S", float),
    "memory_mb": ("OGI_MEMORY_MB", int),
    "sandboxed_formats": ("OGI_SANDBOXED_FORMATS", lambda raw: tuple(f.strip() for f in raw.split(",") if f.strip())),
}


@dataclass(frozen=True)
class Settings:
    """How documents are read. Every field is checked in `__post_init__`."""

    scorer: str = "fuzzy"
    pdf_geometry: str = "pdfium"
    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    sandboxed_formats: tuple[str, ...] = DEFAULT_SANDBOXED

    def __post_init__(self) -> None:
        if self.scorer not in SCORERS:
            raise ValueError(f"Settings.scorer must be one of {_names(SCORERS)}, not {self.scorer!r}")
        if self.pdf_geometry not in PDF_GEOMETRIES:
            raise ValueError(f"Settings.pdf_geometry must be one of {_names(PDF_GEOMETRIES)}, "
                             f"not {self.pdf_geometry!r}")
        for name in ("timeout_s", "memory_mb", "max_input_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
                raise ValueError(f"Settings.{name} must be a positive number, not {value!r}")
        object.__setattr__(self, "sandboxed_formats", tuple(self.sandboxed_formats))
        unknown = [f for f in self.sandboxed_formats if f not in SANDBOXABLE_FORMATS]
        if unknown:
            raise ValueError(f"Settings.sandboxed_formats: unknown format(s) {', '.join(map(repr, unknown))}")

    def with_(self, **changes) -> Settings:
        """A copy with some fields changed (validated again)."""
        bad = set(changes) - {f.name for f in fields(self)}
        if bad:
            raise ValueError(f"Settings has no field(s) {', '.join(sorted(bad))}")
        return replace(self, **changes)

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        """The defaults, with the variables of ENV_VARS that are set (and not empty, but for
        OGI_SANDBOXED_FORMATS) from the environment, then `overrides`. A bad value is a
        ValueError naming the variable."""
        env = {}
        for field, (var, read) in ENV_VARS.items():
            raw = os.environ.get(var)
            if raw is None or (not raw and field != "sandboxed_formats"):
                continue
            try:
                env[field] = read(raw)
                cls(**{field: env[field]})
            except ValueError as exc:
                raise ValueError(f"{var}={raw!r}: {exc}" if str(exc).startswith("Settings.")
                                 else f"{var} must be a number, not {raw!r}") from None
        return cls(**{**env, **overrides})


def _names(options: tuple[str, ...]) -> str:
    return ", ".join(repr(o) for o in options)


DEFAULT = Settings()
