"""Collapsible forms: the secretariat's accession page keeps its secondary forms closed,
and the one that failed opens again with its error."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import ORIGIN, make_user, sign_in
from tests.genebank.test_genebank_store import cli_env, stocked  # noqa: F401 - fixtures
from tests.programmes.conftest import programme_data  # noqa: F401 - fixture

FORMS = ["progenitor-form", "lot-form", "duplicate-form", "request-form", "passport-form"]


def _details_of(html: str, form: str) -> str:
    """The opening <details> tag around the form with this id."""
    at = html.index(f'id="{form}"')
    return html[
        html.rindex("<details", 0, at) : html.index(">", html.rindex("<details", 0, at)) + 1
    ]


def test_secondary_forms_are_closed_until_one_fails(
    client: TestClient,
    stocked: dict[str, Any],  # noqa: F811
) -> None:
    wheat = stocked["ids"]["KZ-0001"]
    sign_in(client, "curator@iofs.example")
    page = client.get(f"/genebank/accessions/{wheat}?lang=en").text
    for form in FORMS:
        if f'id="{form}"' in page:
            assert " open" not in _details_of(page, form), form
    assert 'id="lot-form"' in page and 'id="duplicate-form"' in page
    lot = {
        "lot_number": "L-1",
        "collection": "base",
        "storage_temperature_c": "-18",
        "moisture_content_pct": "5",
        "seed_count": "1000",
        "origin": "regeneration",
        "stored_on": "2024-01-10",
    }
    created = client.post(
        f"/genebank/accessions/{wheat}/lots", headers={"Origin": ORIGIN}, data=lot
    )
    assert created.status_code in (200, 303), created.text[:500]
    twice = client.post(f"/genebank/accessions/{wheat}/lots", headers={"Origin": ORIGIN}, data=lot)
    assert twice.status_code == 422
    assert "already has a lot with this number" in twice.text
    assert _details_of(twice.text, "lot-form").endswith(" open>")
    assert " open" not in _details_of(twice.text, "duplicate-form")
    # every per-lot form is closed too
    assert not re.search(
        r'<details class="secondary-form" open>\s*<summary>[^<]*</summary>\s*'
        r'<form[^>]*class="inline test-form"',
        twice.text,
    )


def test_programme_entry_keeps_registry_forms_closed_until_one_fails(
    client: TestClient,
    programme_data: Any,  # noqa: F811
) -> None:
    make_user(programme_data, "sec@iofs.example", "secretariat")
    sign_in(client, "sec@iofs.example")
    page = client.get("/programmes/entry?lang=en").text
    for form in ("organisation-form", "programme-form", "appeal-form", "project-form"):
        assert " open" not in _details_of(page, form), form
    assert 'id="contribution-form"' in page and "contribution-form" not in _details_of(
        page, "organisation-form"
    )
    failed = client.post(
        "/programmes/entry/organisation",
        headers={"Origin": ORIGIN},
        data={"code": "NEW-ORG", "name": "", "kind": "ngo"},
    )
    assert failed.status_code == 422
    assert _details_of(failed.text, "organisation-form").endswith(" open>")
    assert " open" not in _details_of(failed.text, "appeal-form")
