"""The dataset's versions for people: listing them (`ogi versions`), merging small
segments now (`ogi compact`) and deleting old versions (`ogi vacuum`).

Each is one call over `extractors.dataset.layout` and the store, so the command line only
translates arguments and prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from extractors.dataset import layout
from extractors.dataset.storage import Storage


@dataclass
class VersionInfo:
    number: int
    created_at: float
    reports: int
    values: int
    findings: int
    segments: int
    current: bool
    where: str  # what a researcher opens (or cites) for exactly this version


def list_versions(out) -> list[VersionInfo]:
    """Every version readers can open, oldest first. Raises FileNotFoundError when `out`
    holds no dataset."""
    storage = Storage(out)
    numbers = layout.published(storage)
    if not numbers:
        raise FileNotFoundError(f"no dataset in {out} (run `ogi extract` first)")
    cur = layout.current_number(storage)
    infos = []
    for n in numbers:
        m = layout.read_manifest(storage, n)
        if m is None:
            continue
        totals = m.totals()
        where = (storage.url_of(f"{layout.VERSIONS}/{n:0{layout.VERSION_DIGITS}d}") if storage.local
                 else storage.url_of(f"{layout.CATALOG}/{n:0{layout.VERSION_DIGITS}d}.json"))
        infos.append(VersionInfo(n, m.created_at, totals["reports"], totals["values"], totals["findings"],
                                 len(m.segments), n == cur, where))
    return infos


def format_versions(infos: list[VersionInfo]) -> str:
    lines = [f"{'version':>8}  {'created (UTC)':<19}  {'reports':>9}  {'values':>12}  {'findings':>9}  "
             f"{'segments':>8}  where"]
    for v in infos:
        created = datetime.fromtimestamp(v.created_at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        mark = " (current)" if v.current else ""
        lines.append(f"{v.number:>8}  {created:<19}  {v.reports:>9,}  {v.values:>12,}  {v.findings:>9,}  "
                     f"{v.segments:>8}  {v.where}{mark}")
    return "\n".join(lines)


def compact(out) -> tuple[int, int]:
    """Merge every partition's small segments into full ones (a new version when anything
    was merged): the number of segments before and after. Takes the writer's lock."""
    from extractors.dataset.store import DatasetStore

    with DatasetStore(out) as store:
        if store.manifest() is None:
            raise FileNotFoundError(f"no dataset in {out} (run `ogi extract` first)")
        return store.compact()


def vacuum(out, keep: int) -> list[int]:
    """Delete all but the `keep` newest versions and the files only they used (under the
    writer's lock); the numbers deleted."""
    from extractors.dataset.store import DatasetStore

    if keep < 1:
        raise ValueError("--keep must be at least 1 (the current version is always kept)")
    with DatasetStore(out) as store:
        if store.manifest() is None:
            raise FileNotFoundError(f"no dataset in {out} (run `ogi extract` first)")
        return layout.vacuum(store.storage, keep)
