"""Finding the article on an HTML page: what is never content, what is site chrome, and
which element holds the report.

Choosing the article: the walk starts from the innermost table with the most text
(the report's tables are the reason the page is read) or, on a page without tables,
from the element holding the most paragraph text; among that element and its
ancestors, the one kept maximises ``text - 2 x link text``, so climbing stops where
the page adds navigation, link lists and site chrome rather than article text.
Nothing here is tuned to one site's class names.
"""

from __future__ import annotations

import re
from functools import lru_cache

from extractors.formats.html.cells import TEXT_LEN, cells_of, holds_table, rows_of

# A table one of whose cells holds more than this many characters, and most of the
# table's text, is page layout rather than data (report cells are numbers and labels
# of at most ~50 characters).
LAYOUT_CELL_CHARS = 150
# Weight of link text against plain text when choosing the article container.
LINK_PENALTY = 2.0

# Never content.
_DROP_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "iframe", "frame", "frameset", "object",
        "embed", "applet", "svg", "canvas", "map", "select", "option", "optgroup", "button",
        "input", "textarea", "datalist", "nav", "aside", "menu", "dialog", "meta", "link",
        "base", "head", "footer",
    }
)  # fmt: skip
_DROP_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "menu", "menubar", "search", "complementary", "dialog"}
)
# class/id tokens of page chrome; such a subtree is skipped inside the article unless
# it holds a table.
_JUNK_TOKENS = frozenset(
    {
        "nav", "navbar", "navigation", "menu", "menubar", "submenu", "breadcrumb", "breadcrumbs",
        "crumb", "crumbs", "footer", "foot", "copyright", "header", "topbar", "toolbar",
        "sidebar", "share", "bdsharebuttonbox", "skip",
    }
)  # fmt: skip
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")
# Elements whose text is paragraph text (scored by their parent), and elements whose
# own bare text counts, when a page has no data table.
_PARA_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote")
_BARE_TEXT_TAGS = ("div", "td", "section", "article", "main", "font", "center", "body")


# --- what is never content -----------------------------------------------------------


def find_junk(root) -> list:
    """Elements that are never content or are hidden (a document-order list).

    One pass in Python: libxml2's ``//*[predicate]`` XPath is slower than this loop.
    Word-exported pages put a style on almost every element, so a style is parsed
    (`_display_none`) only when it mentions display or visibility at all.
    """
    junk = []
    drop = _DROP_TAGS
    for el in root.iter():
        if el.tag in drop:
            junk.append(el)
            continue
        keys = el.keys()
        if not keys:
            continue
        if "style" in keys:
            st = el.get("style")
            if ("isplay" in st or "ISPLAY" in st or "isibility" in st or "ISIBILITY" in st) and _display_none(el):
                junk.append(el)
                continue
        if "hidden" in keys or ("aria-hidden" in keys and el.get("aria-hidden") == "true"):
            junk.append(el)
        elif "role" in keys and el.get("role").lower() in _DROP_ROLES:
            junk.append(el)
    return junk


def _display_none(el) -> bool:
    st = el.get("style")
    if not st or not ("isplay" in st or "ISPLAY" in st or "isibility" in st or "ISIBILITY" in st):
        return False
    st = st.replace(" ", "").lower()
    return "display:none" in st or "visibility:hidden" in st


def drop(el) -> None:
    """Remove `el` and its subtree, keeping its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def is_chrome(el, tag: str) -> bool:
    """Page chrome inside the article (a header, a share bar, a link list)."""
    if tag == "header" or _junk_tokens(el):
        return not holds_table(el)
    if (tag == "ul" or tag == "ol") and len(el) >= 3:
        t = TEXT_LEN(el)
        return t > 0 and link_len(el) >= 0.8 * t
    return False


def _junk_tokens(el) -> bool:
    for attr in ("class", "id"):
        v = el.get(attr)
        if v and _names_chrome(v):
            return True
    return False


# Distinct class / id values remembered by `_names_chrome`: a site's pages reuse a few
# hundred (Word exports put class="MsoNormal" on every paragraph); 4096 is room for many sites.
CHROME_NAME_CACHE_SIZE = 4096


@lru_cache(maxsize=CHROME_NAME_CACHE_SIZE)
def _names_chrome(value: str) -> bool:
    """Does a class or id attribute name page chrome (one of its tokens in _JUNK_TOKENS)?"""
    return any(tok in _JUNK_TOKENS for tok in _TOKEN_SPLIT.split(value.lower()))


def link_len(el) -> int:
    return sum(int(TEXT_LEN(a)) for a in el.iter("a"))


def looks_like_data(table) -> bool:
    """False for a table that is page layout: one cell holds most of a long text.

    A row's text is at least as long as any of its cells', so the cells of a row no
    longer than the threshold are not measured one by one."""
    total = TEXT_LEN(table)
    threshold = max(LAYOUT_CELL_CHARS, 0.5 * total)  # longest > both bounds: layout
    longest = 0.0
    for tr in rows_of(table):
        if TEXT_LEN(tr) <= threshold:
            continue
        for td in cells_of(tr):
            longest = max(longest, TEXT_LEN(td))
    return not (longest > LAYOUT_CELL_CHARS and longest > 0.5 * total)


# --- the article ----------------------------------------------------------------------


def choose_container(body):
    """The element holding the article; see the module docstring. Returns (el, how)."""
    start, how = _largest_data_table(body), "largest table"
    if start is None:
        start, how = _most_paragraph_text(body), "most paragraph text"
    if start is None:
        return body, "whole body"
    return _climb(start, body), how


def _largest_data_table(body):
    innermost = [t for t in body.iter("table") if not holds_table(t)]
    for score, _i, t in sorted(((TEXT_LEN(t), i, t) for i, t in enumerate(innermost)), reverse=True):
        if score <= 0:
            break
        if looks_like_data(t):
            return t
    return None


def _most_paragraph_text(body):
    """No data table: the element whose paragraphs (or bare text) hold the most text."""
    scores: dict = {}
    for el in body.iter(*_PARA_TAGS):
        parent = el.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0.0) + TEXT_LEN(el)
    for el in body.iter(*_BARE_TEXT_TAGS):
        direct = _len(el.text) + sum(_len(ch.tail) for ch in el)
        if direct:
            scores[el] = scores.get(el, 0.0) + direct
    return max(scores, key=scores.get) if scores else None


def _climb(start, body):
    """Among `start` and its ancestors up to `body`, the one with most text net of links."""
    links = link_len(start)
    chosen, chosen_score = start, TEXT_LEN(start) - LINK_PENALTY * links
    node = start
    while True:
        parent = node.getparent()
        if parent is None:
            break
        for ch in parent:
            if ch is not node and isinstance(ch.tag, str):
                links += link_len(ch)
        score = TEXT_LEN(parent) - LINK_PENALTY * links
        if score > chosen_score:
            chosen, chosen_score = parent, score
        if parent is body:
            break
        node = parent
    return chosen


def _len(s: str | None) -> int:
    return len(s.strip()) if s else 0
