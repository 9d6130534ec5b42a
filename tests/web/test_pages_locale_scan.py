"""Every crawled page, in Arabic and French, writes numbers as the language does and says nothing
in English that the catalogs translate.

A demonstration installation (``iofs demo load``) is crawled from the home page by following its
links, one page per route shape, as a visitor and as the secretariat (the route shapes of
``tests/browser/test_layout.py``). On each page's text (not attributes, scripts, ``<code>``,
nor text marked ``lang="en"`` such as sources quoted as published):

- French: no number outside the formatting filters' isolates grouped the English way
  (``40,000``) or with a decimal point (``13.20``);
- Arabic: no negative number and no ISO date outside a left-to-right isolate (``<bdi>`` or
  ``dir="ltr"``), which a right-to-left paragraph would print as ``2.79-`` or ``01-11-2024``;
- both: no text node equal to an English msgid that the language's catalogs translate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import lxml.html
import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs import i18n
from iofs.config import Settings
from tests.browser.test_layout import NOT_PAGES, route_shape
from tests.conftest import make_user, sign_in

MAX_PAGES = 120
#: Known leftovers outside this scan's reach, each with its reason (see issue 18): "Sorghum"
#: is a genus (the taxon facet of the gene bank search), a Latin name no vocabulary translates.
KNOWN = {"english": {"Sorghum"}}
#: Names written the same in every language (the brand, a language's own name, ISO codes).
SAME_EVERYWHERE = {"IOFS", "English", "Français", "العربية", "USD", "OIC", "SMTA", "PDCI"}
SKIPPED_TAGS = {"script", "style", "code", "pre", "kbd", "samp", "textarea", "svg", "option"}
ENGLISH_GROUPED = re.compile(r"(?<![\w.,\u202f\u00a0])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w,])")
DECIMAL_POINT = re.compile(r"(?<![\w.,/:-])(?<![A-Z] )\d+\.\d{1,3}(?![\w.\d])")
NEGATIVE = re.compile(r"(?<![\w\d\u200e\u2066])[-−]\d")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def translated_msgids(language: str) -> set[str]:
    """English msgids that the catalogs of ``language`` translate into something else."""
    found: set[str] = set()
    for path in i18n.catalog_files(language):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        for message in catalog:
            if (
                isinstance(message.id, str)
                and message.id
                and isinstance(message.string, str)
                and message.string
                and message.string != message.id
                and re.search(r"[A-Za-z]{3}", message.id)
                and "%" not in message.id
            ):
                found.add(message.id)
    return found


def crawl(client: TestClient) -> list[str]:
    """One path per route shape reachable from the home page (breadth first)."""
    seen: set[str] = set()
    queue, found = ["/"], []
    while queue and len(found) < MAX_PAGES:
        path = queue.pop(0)
        shape = route_shape(urlsplit(path).path)
        if shape in seen:
            continue
        seen.add(shape)
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.headers.get(
            "content-type", ""
        ):
            continue
        found.append(path)
        for href in lxml.html.fromstring(response.text).xpath("//a/@href"):
            target = urlsplit(str(href))
            if target.scheme or target.netloc or not target.path.startswith("/"):
                continue
            if NOT_PAGES.search(target.path) or NOT_PAGES.search(target.query):
                continue
            if "lang=" in target.query:
                continue
            if route_shape(target.path) not in seen:
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return found


def _isolated_ltr(element: lxml.html.HtmlElement) -> bool:
    node: lxml.html.HtmlElement | None = element
    while node is not None:
        if node.tag == "bdi" or node.get("dir") == "ltr":
            return True
        node = node.getparent()
    return False


def _skipped(element: lxml.html.HtmlElement) -> bool:
    node: lxml.html.HtmlElement | None = element
    while node is not None:
        if not isinstance(node.tag, str) or node.tag in SKIPPED_TAGS or node.get("lang") == "en":
            return True
        node = node.getparent()
    return False


def text_nodes(html: str) -> Iterator[tuple[lxml.html.HtmlElement, str]]:
    """(element holding the text, text) for every text node of the page's body."""
    document = lxml.html.fromstring(html)
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        if element.text and not _skipped(element):
            yield element, element.text
        parent = element.getparent()
        if element.tail and parent is not None and not _skipped(parent):
            yield parent, element.tail


def scan(html: str, language: str, msgids: set[str]) -> dict[str, list[str]]:
    """Problems found on one page, by kind."""
    problems: dict[str, list[str]] = {"number": [], "english": []}
    for element, text in text_nodes(html):
        stripped = " ".join(text.split())
        if stripped in msgids and stripped not in SAME_EVERYWHERE:
            problems["english"].append(stripped)
        if language == "fr" and not _isolated_ltr(element):
            # Inside an isolate the number came through iofs.http.formatting (Babel); "200,000"
            # there is 200 written with three French decimals, not two hundred thousand.
            for pattern in (ENGLISH_GROUPED, DECIMAL_POINT):
                problems["number"] += [
                    f"{m.group(0)} in {stripped[:60]!r}" for m in pattern.finditer(text)
                ]
        elif language == "ar" and not _isolated_ltr(element):
            for pattern in (NEGATIVE, ISO_DATE):
                problems["number"] += [
                    f"{m.group(0)} in {stripped[:60]!r}" for m in pattern.finditer(text)
                ]
    return problems


@pytest.fixture
def demo_client(settings: Settings, loaded_registry: sessionmaker[Session]) -> Iterator[TestClient]:
    """The app over a store holding every module's demonstration data, the secretariat signed in."""
    from iofs.accounts.service import cli_principal
    from iofs.db import transaction
    from iofs.demo import load_all, load_files
    from iofs.web.app import create_app

    make_user(loaded_registry, "lead@scan.example", "secretariat")
    with transaction(loaded_registry) as session:
        load_all(session, cli_principal())
    load_files(settings)
    app = create_app(settings)
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def test_pages_in_arabic_and_french_format_numbers_and_translate(demo_client: TestClient) -> None:
    sign_in(demo_client, "lead@scan.example")
    secretariat_pages = crawl(demo_client)
    report: list[str] = []
    counts = {}
    for language in ("ar", "fr"):
        msgids = translated_msgids(language)
        found = {"number": 0, "english": 0}
        for path in secretariat_pages:
            joiner = "&" if "?" in path else "?"
            response = demo_client.get(f"{path}{joiner}lang={language}")
            if response.status_code != 200:
                continue
            for kind, items in scan(response.text, language, msgids).items():
                if kind == "english":
                    items = [item for item in items if item not in KNOWN["english"]]
                found[kind] += len(items)
                report += [f"{path} [{language}] {kind}: {item}" for item in sorted(set(items))]
        counts[language] = found
    print(f"crawled {len(secretariat_pages)} pages as the secretariat; problems: {counts}")
    assert len(secretariat_pages) >= 30, secretariat_pages
    assert not report, f"{len(secretariat_pages)} pages scanned:\n" + "\n".join(report)
