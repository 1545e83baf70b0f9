"""Check a built static site: links resolve, nothing is fetched online, images have alt text.

:func:`find_site_problems` reads every ``*.html`` page of a site folder with the standard
library's HTML parser and returns one line per problem:

- a link (``<a href>``) to a page or file missing from the site, or to an anchor (``#id``)
  missing from its page; links to other web sites (``http(s)://``, ``mailto:``) are fine,
  since a learner follows them by choice;
- a resource the browser would load by itself (``src`` of an image, script or frame,
  ``<link href>``, a CSS ``url(...)`` or ``@import``) that is not inside the site or a
  ``data:`` URL, which would break reading offline;
- an ``<img>`` without a non-empty ``alt``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["PageLinks", "find_site_problems", "read_page_links"]

_EXTERNAL_LINK = ("http://", "https://", "mailto:")
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")
_RESOURCE_ATTRS = {"src", "srcset", "poster", "data"}


@dataclass
class PageLinks:
    """What one page points at, as read by :func:`read_page_links`."""

    links: list[str] = field(default_factory=list)  # <a href>: followed by the reader
    resources: list[tuple[str, str]] = field(default_factory=list)  # (tag, url) loaded by itself
    anchors: set[str] = field(default_factory=set)  # ids and names a #fragment may target
    images_without_alt: int = 0  # <img> with no alt, or an empty one


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = PageLinks()
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name in ("id", "name"):
            if values.get(name):
                self.page.anchors.add(values[name])
        if tag == "a" and "href" in values:
            self.page.links.append(values["href"])
        elif tag == "link" and values.get("href"):
            self.page.resources.append((tag, values["href"]))
        for name in _RESOURCE_ATTRS & values.keys():
            for url in values[name].split(",") if name == "srcset" else [values[name]]:
                if url.strip():
                    self.page.resources.append((tag, url.strip().split()[0]))
        if values.get("style"):
            self._add_css(tag, values["style"])
        if tag == "img" and not values.get("alt", "").strip():
            self.page.images_without_alt += 1
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._add_css("style", data)

    def _add_css(self, tag: str, css: str) -> None:
        for match in _CSS_URL.finditer(css):
            self.page.resources.append((f"{tag} (css)", match.group(1) or match.group(2)))


def read_page_links(html_text: str) -> PageLinks:
    """The links, resources, anchors and alt-less images of one HTML page."""
    parser = _LinkParser()
    parser.feed(html_text)
    parser.close()
    return parser.page


def _target(site: Path, page: Path, url: str) -> tuple[Path, str]:
    """The file and the (still percent-encoded) fragment a relative ``url`` on ``page`` names."""
    parts = urlsplit(url)
    path = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
    return path, parts.fragment


def find_site_problems(site: Path) -> list[str]:
    """Every broken link, online resource and missing alt text in the pages under ``site``.

    Returns
    -------
    list[str]
        One line per problem, naming the page (relative to ``site``) and the URL; empty when
        the site is sound.
    """
    site = Path(site).resolve()
    pages = {
        page: read_page_links(page.read_text(encoding="utf-8")) for page in site.rglob("*.html")
    }
    problems = []
    for page, found in sorted(pages.items()):
        name = page.relative_to(site).as_posix()
        if found.images_without_alt:
            problems.append(f"{name}: {found.images_without_alt} <img> without alt text")
        for tag, url in found.resources:
            if url.startswith("data:"):
                continue
            if urlsplit(url).scheme or url.startswith("//"):
                problems.append(f"{name}: <{tag}> loads {url!r} from outside the site")
            elif not _target(site, page, url)[0].is_file():
                problems.append(f"{name}: <{tag}> loads {url!r}, which is not in the site")
        for url in found.links:
            if url.startswith(_EXTERNAL_LINK):
                continue
            if urlsplit(url).scheme:
                problems.append(f"{name}: link to {url!r}, which is neither a page nor a web link")
                continue
            path, fragment = _target(site, page, url)
            if not path.is_file() or site not in path.parents:
                problems.append(f"{name}: link to {url!r}, which is not in the site")
            elif fragment and path.suffix == ".html":
                anchors = pages[path].anchors if path in pages else set()
                # Browsers match the fragment as written, then percent-decoded (nbconvert
                # writes heading ids percent-encoded, "00-%C2%B7-Start").
                if fragment not in anchors and unquote(fragment) not in anchors:
                    problems.append(f"{name}: link to {url!r}, whose anchor is not on that page")
    return problems
