"""The data dictionary as data: docs/data-dictionary.md's column tables, one JSON file
(`data-dictionary.json` beside this module) that every Parquet file's metadata carries.

`python -m schemas.dictionary` rebuilds the JSON from the Markdown (tests/test_dictionary.py
fails when the two differ); the package reads only the JSON, so an installed copy without
docs/ still has it.
"""

from __future__ import annotations

import json
import re
import sys
from functools import cache
from importlib import resources
from pathlib import Path

import pyarrow as pa

FILE = "data-dictionary.json"
DOC = Path(__file__).resolve().parents[1] / "docs" / "data-dictionary.md"
_ROW = re.compile(r"^\| `([a-z_]+)` \| ([^|]+) \| (.+) \|$")


def parse(markdown: str) -> dict[str, dict[str, dict[str, str]]]:
    """{table: {column: {type, meaning}}} from the `## <table>.parquet` sections' tables."""
    out: dict[str, dict] = {}
    for section in re.split(r"^## ", markdown, flags=re.M)[1:]:
        title = section.split("\n", 1)[0].strip()
        if not title.endswith(".parquet"):
            continue
        cols = {}
        for line in section.split("Finding kinds", 1)[0].splitlines():
            m = _ROW.match(line.strip())
            if m:
                cols[m.group(1)] = {"type": m.group(2).strip(), "meaning": m.group(3).strip()}
        out[title[: -len(".parquet")]] = cols
    return out


@cache
def dictionary() -> dict[str, dict[str, dict[str, str]]]:
    return json.loads(resources.files("schemas").joinpath(FILE).read_text(encoding="utf-8"))


def with_dictionary(schema: pa.Schema, table: str, extra: dict[str, str] | None = None) -> pa.Schema:
    """`schema` with the dictionary's entry for `table` in its metadata and on each field."""
    cols = dictionary().get(table, {})
    fields = [f.with_metadata({"description": cols[f.name]["meaning"]}) if f.name in cols else f for f in schema]
    meta = {"ogi.table": table, "ogi.dictionary": json.dumps(cols, ensure_ascii=False), **(extra or {})}
    return pa.schema(fields, metadata=meta)


def main() -> int:
    text = json.dumps(parse(DOC.read_text(encoding="utf-8")), ensure_ascii=False, indent=1) + "\n"
    (Path(__file__).parent / FILE).write_text(text, encoding="utf-8")
    print(f"{DOC} -> {Path(__file__).parent / FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
