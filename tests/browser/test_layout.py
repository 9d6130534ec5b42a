"""Every page fits the screen: crawled at 390 px and 1366 px, in Arabic, English and French.

A live server with the demonstration data of every module is crawled from the home page by
following its links (one page per route shape, anonymous and signed in as the secretariat),
plus the pages no link reaches (an error page); each page must be no wider than the viewport,
and nothing in the header may stick out of it. Each page names its template
(``<main data-template>``): the crawl must have rendered every page template of the package but
those listed in :data:`NOT_CRAWLED`, each with its reason. A store with nothing loaded is
crawled too: the main navigation's empty states.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import Engine

from iofs.config import Settings
from iofs.db import make_engine, make_session_factory, transaction, upgrade
from tests.browser.conftest import LiveServer
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser

WIDTHS = (390, 1366)
LANGUAGES = ("ar", "en", "fr")
#: Links that are not pages: files, feeds, the API, sign-out.
NOT_PAGES = re.compile(
    r"\.(csv|xlsx|pdf|atom|json|xml|zip|png|svg)$|^/(api|static|openapi)"
    r"|^/signout|/download|/export|format="
)
#: At most this many distinct route shapes are crawled per visitor.
MAX_PAGES = 80


def route_shape(path: str) -> str:
    """A path with its record keys folded, so that one page per route shape is visited."""
    parts = []
    for part in path.strip("/").split("/"):
        if re.fullmatch(r"\d+", part):
            parts.append("{id}")
        elif re.fullmatch(r"[A-Z]{3}", part):
            parts.append("{iso3}")
        elif re.fullmatch(r"\d{4}(-\d{2})?", part):
            parts.append("{period}")
        elif re.search(r"[A-Z0-9]-|[a-z]\d", part) and parts:
            parts.append("{code}")
        else:
            parts.append(part)
    return "/" + "/".join(parts)


def installation(factory: pytest.TempPathFactory, name: str) -> tuple[Settings, Engine]:
    """A migrated SQLite installation in a new folder with the member registry loaded."""
    from iofs.members import service

    data_dir = factory.mktemp(name)
    url = f"sqlite:///{data_dir / 'iofs.sqlite3'}"
    settings = Settings(
        env="test",
        data_dir=data_dir,
        database_url=url,
        secret_key="layout-test-secret-key-0123456789abcdef",
    )
    upgrade(url)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        service.load_reference(session)
    return settings, engine


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """An installation with every module's demonstration data (SQLite)."""
    from iofs.accounts.service import cli_principal
    from iofs.demo import load_all, load_files

    settings, engine = installation(tmp_path_factory, "layout")
    data_dir = settings.data_dir
    factory = make_session_factory(engine)
    secretariat = make_user(factory, "secretariat@layout.example", "secretariat")
    with transaction(factory) as session:
        load_all(session, cli_principal())
    load_files(settings)
    # A finished job, so that the job pages have one to show.
    from iofs.jobs import service as jobs
    from iofs.jobs.worker import run_pending

    owner, _token = secretariat
    with factory() as session:
        jobs.submit(
            session,
            settings,
            "backup.snapshot",
            {"directory": str(data_dir / "backups"), "keep": 1},
            owner_id=owner,
        )
    run_pending(settings)
    engine.dispose()
    with LiveServer(settings) as server:
        yield server


TEMPLATE = "() => document.querySelector('main[data-template]')?.dataset.template ?? null"


def crawl(
    page: Any, base: str, seeds: tuple[str, ...] = (), templates: set[str] | None = None
) -> list[str]:
    """Paths of one page per route shape reachable from the home page and ``seeds``
    (breadth first); the page templates they render are added to ``templates``."""
    seen_shapes: set[str] = set()
    queue: list[str] = ["/", *seeds]
    found: list[str] = []
    while queue and len(found) < MAX_PAGES:
        path = queue.pop(0)
        shape = route_shape(urlsplit(path).path)
        if shape in seen_shapes:
            continue
        seen_shapes.add(shape)
        try:
            response = page.goto(base + path)
        except Exception as error:  # a link that starts a download is not a page
            if "Download is starting" in str(error):
                continue
            raise
        if (
            response is None
            or response.status != 200
            or "text/html" not in (response.headers.get("content-type", ""))
        ):
            continue
        found.append(path)
        if templates is not None and (template := page.evaluate(TEMPLATE)):
            templates.add(template)
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        for href in hrefs:
            target = urlsplit(href)
            if target.scheme or target.netloc or not target.path.startswith("/"):
                continue
            if NOT_PAGES.search(target.path) or NOT_PAGES.search(target.query):
                continue
            link = target.path + (
                f"?{target.query}" if target.query and "lang=" not in target.query else ""
            )
            if route_shape(target.path) not in seen_shapes:
                queue.append(link)
    return found


OVERFLOW = """() => {
  const width = window.innerWidth;
  const header = document.querySelector('.site-header').getBoundingClientRect();
  const out = [];
  for (const el of document.querySelectorAll('.site-header *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.left < header.left - 1 || r.right > header.right + 1 || r.bottom > header.bottom + 1)
      out.push(el.tagName + ' ' + (el.textContent || '').trim().slice(0, 30));
  }
  const main = document.querySelector('main[data-template]');
  return {page: document.documentElement.scrollWidth, width, header: out,
          template: main ? main.dataset.template : null};
}"""

#: Pages no link of the demonstration reaches, crawled from too, by visitor: a seed basket
#: (the catalogue's "request" buttons post a form to it), the analytics store's slices (the
#: secretariat reaches /data from the command line's messages).
SEEDS: dict[str, tuple[str, ...]] = {
    "visitor": (),
    "secretariat": ("/genebank/basket?ids=1&ids=2", "/data"),
}
#: Pages answered with an error status, checked too: (path, status).
ERRORS = (("/no-such-page", 404),)
#: Page templates the crawl does not render, and why (every other one must be rendered).
NOT_CRAWLED = {
    "briefs/brief_document.html": "a PDF document (WeasyPrint), not a page",
    "briefs/bulletin_document.html": "a PDF document (WeasyPrint), not a page",
    "strategy/report_document.html": "a PDF document, not a page",
    "notifications/digest.html": "an e-mail body (tests/notifications)",
    "notifications/unsubscribed.html": "reached by the signed link of an e-mail "
    "(tests/notifications)",
    "empty_state.html": "a fresh install's pages: test_the_empty_states_of_a_fresh_install_fit_too",
    "data/confirm.html": "the confirmation of a slice removal (a POST)",
}


def page_templates() -> set[str]:
    """Every page template of the package (partials start with ``_``; base.html is the frame)."""
    from iofs import i18n

    found = set()
    for path in i18n.package_root().glob("**/templates/**/*.html"):
        name = path.relative_to(next(p for p in path.parents if p.name == "templates"))
        if not path.name.startswith("_") and str(name) != "base.html":
            found.add(name.as_posix())
    return found


def _sign_in(page: Any, base: str) -> None:
    page.goto(base + "/signin")
    page.fill("input[name=email]", "secretariat@layout.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def check_layout(
    page: Any,
    base: str,
    paths: list[str],
    templates: set[str],
    widths: tuple[int, ...] = WIDTHS,
) -> list[str]:
    """Layout problems of ``paths`` at ``widths`` in three languages; fills ``templates``."""
    problems = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        for language in LANGUAGES:
            for path in paths:
                joiner = "&" if "?" in path else "?"
                page.goto(f"{base}{path}{joiner}lang={language}")
                result = page.evaluate(OVERFLOW)
                if result["template"]:
                    templates.add(result["template"])
                if result["page"] > result["width"] + 1:
                    problems.append(
                        f"{path} [{language}, {width} px]: page is {result['page']} px wide"
                    )
                if result["header"]:
                    problems.append(
                        f"{path} [{language}, {width} px]: outside the header: "
                        f"{result['header'][:3]}"
                    )
    return problems


@dataclass(frozen=True)
class Crawl:
    """What one visitor's crawl found: the pages to check, the templates they rendered, and
    the browser state to check them in (the secretariat's session cookie)."""

    paths: list[str]
    templates: frozenset[str]
    storage: dict[str, Any]


VISITORS = ("visitor", "secretariat")


@pytest.fixture(scope="module")
def crawls(browser: Any, demo_server: LiveServer) -> dict[str, Crawl]:
    """Each visitor's crawl of the demonstration, once per test process (the layout checks
    are split by visitor and width so that both test workers take some)."""
    found = {}
    for visitor in VISITORS:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(20_000)
        if visitor == "secretariat":
            _sign_in(page, demo_server.url)
        templates: set[str] = set()
        paths = crawl(page, demo_server.url, SEEDS[visitor], templates)
        assert len(paths) >= (15 if visitor == "visitor" else 20), paths
        for path, status in ERRORS:
            response = page.goto(demo_server.url + path)
            assert response is not None and response.status == status, path
            if template := page.evaluate(TEMPLATE):
                templates.add(template)
            paths.append(path)
        found[visitor] = Crawl(paths, frozenset(templates), context.storage_state())
        context.close()
    print(f"pages crawled: { {v: len(c.paths) for v, c in found.items()} }")
    return found


def test_the_crawl_renders_every_page_template(crawls: dict[str, Crawl]) -> None:
    templates = set().union(*(c.templates for c in crawls.values()))
    missing = page_templates() - templates - set(NOT_CRAWLED)
    assert not missing, f"page templates the crawl never rendered: {sorted(missing)}"
    stale = set(NOT_CRAWLED) - page_templates()
    assert not stale, f"NOT_CRAWLED names templates that no longer exist: {sorted(stale)}"


@pytest.mark.timeout(900)  # about 150 page loads per language: every route shape × 3 languages
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("visitor", VISITORS)
def test_every_page_fits_phone_and_desktop_in_three_languages(
    browser: Any, demo_server: LiveServer, crawls: dict[str, Crawl], visitor: str, width: int
) -> None:
    found = crawls[visitor]
    context = browser.new_context(storage_state=found.storage)
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems = check_layout(page, demo_server.url, found.paths, set(), widths=(width,))
    context.close()
    assert not problems, (
        f"{visitor}: {len(found.paths)} pages checked at {width} px; layout problems:\n"
        + "\n".join(problems)
    )


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A fresh installation: the member registry and nothing else loaded."""
    settings, engine = installation(tmp_path_factory, "layout-empty")
    engine.dispose()
    with LiveServer(settings) as server:
        yield server


def test_the_empty_states_of_a_fresh_install_fit_too(
    browser: Any, empty_server: LiveServer
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(empty_server.url + "/")
    navigation = page.eval_on_selector_all(
        ".site-header nav a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
    )
    paths = sorted({urlsplit(href).path for href in navigation if not NOT_PAGES.search(href)})
    assert len(paths) >= 8, paths
    for path in paths:
        response = page.goto(empty_server.url + path)
        assert response is not None and response.status == 200, (
            f"{path}: {response and response.status}"
        )
    templates: set[str] = set()
    problems = check_layout(page, empty_server.url, paths, templates)
    context.close()
    assert not problems, "\n".join(problems)
    assert "empty_state.html" in templates, templates
