"""How much of each CMS column a crawl reached: pages listed against pages the pager announces.

A TRS column announces its page count in its script pager, a Hanweb column its record count
in its datastore; plain-link columns announce nothing and are not counted here. A column
whose pager says 12 pages of which 1 was read is a warning in the crawl's summary
(`ColumnReach.warning`), never silence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from extractors.crawl.cms import JPage, TrsPager


@dataclass
class ColumnReach:
    """One CMS column of a site: what its pager announces and what the crawl read of it."""

    url: str  # the column's first page (TRS) or its proxy and ids (Hanweb)
    family: str  # "trs", "hanweb" or "gkmlpt"
    announced: int | None  # pages the pager announces (None: a Hanweb column without a total)
    perpage: int | None = None  # Hanweb: records per page
    pages_read: set[str] = field(default_factory=set)  # TRS, gkmlpt: the pages (API pages) fetched
    records_read: int = 0  # Hanweb: records read, embedded and from the proxy

    @property
    def read(self) -> int:
        """Pages read (Hanweb: the pages the records read fill)."""
        if self.family == "hanweb":
            pages = math.ceil(self.records_read / (self.perpage or 1))
            return pages if self.announced is None else min(self.announced, pages)
        return len(self.pages_read)

    @property
    def warning(self) -> str | None:
        """A one-line warning when fewer pages were read than announced."""
        if self.announced is None or self.read >= self.announced:
            return None
        return (f"column {self.url} ({self.family}): the pager announces {self.announced} page(s), "
                f"{self.read} read")

    def line(self) -> str:
        shown = "?" if self.announced is None else str(self.announced)
        return f"column {self.url} ({self.family}): {self.read} of {shown} announced page(s) read"


class Reach:
    """The columns of one site's crawl, by key."""

    def __init__(self):
        self.columns: dict[str, ColumnReach] = {}

    def trs(self, pager: TrsPager, page_url: str) -> bool:
        """Count `page_url` as read in its TRS column; True when the column is new."""
        col = self.columns.get(pager.column)
        new = col is None
        if new:
            col = self.columns[pager.column] = ColumnReach(pager.column, "trs", min(pager.total, len(pager.urls())))
        col.pages_read.add(page_url)
        return new

    def hanweb(self, column: JPage) -> bool:
        """Register a Hanweb column with its embedded records; True when it is new."""
        if column.column in self.columns:
            return False
        self.columns[column.column] = ColumnReach(column.column, "hanweb", column.pages, column.perpage,
                                                  records_read=column.embedded)
        return True

    def api_page(self, key: str, url: str, announced: int | None = None) -> None:
        """A gkmlpt API page read for the category `key` (page 1 says how many there are)."""
        col = self.columns.setdefault(key, ColumnReach(key, "gkmlpt", announced))
        if announced is not None:
            col.announced = announced
        col.pages_read.add(url)

    def records(self, key: str | None, n: int) -> None:
        """`n` records read from the proxy for the column `key`."""
        if key in self.columns:
            self.columns[key].records_read += n

    def page_read(self, url: str) -> None:
        """A listing page fetched: count it in the TRS column that announced it, if any."""
        for col in self.columns.values():
            if col.family == "trs" and url.startswith(col.url.rsplit("/", 1)[0] + "/"):
                name = url.rsplit("/", 1)[1]
                stem = col.url.rsplit("/", 1)[1].split(".")[0]
                if name.split(".")[0].split("_")[0] == stem:
                    col.pages_read.add(url)
                    return

    def result(self) -> list[ColumnReach]:
        return list(self.columns.values())
