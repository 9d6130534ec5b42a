"""A requester asks for seed on the public catalogue, accepting the SMTA by click-wrap; a
curator orders and ships it; the requester sees it shipped."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_accounts import sign_in_as
from tests.browser.test_genebank import genebank_data  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def test_public_request_with_click_wrap_is_shipped(
    page: Any,
    browser: Any,
    live_server: Any,
    genebank_data: dict[str, int],  # noqa: F811
) -> None:
    sign_in_as(page, "viewer@iofs.example")
    page.goto("/genebank?lang=en")
    page.check(f"tr[data-accession='{genebank_data['wheat']}'] input[name=ids]")
    page.click("#request-seed")
    page.wait_for_url("**/genebank/basket?ids=*")
    form = page.locator("#public-request-form")
    form.locator("input[name=name]").fill("Dr P. Requester")
    form.locator("input[name=institution]").fill("Illustrative Institute")
    form.locator("input[name=country]").fill("SEN")
    form.locator("select[name=purpose]").select_option("breeding")
    assert "Resolution 1/2006" in page.locator("#smta-text").inner_text()
    page.check("#accept-smta")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/genebank/my-requests")
    status = page.locator("section.public-request .status")
    assert status.inner_text() == "requested"
    assert "SMTA accepted (click-wrap)" in page.locator("section.public-request").inner_text()

    curator = browser.new_context(base_url=live_server.url).new_page()
    sign_in_as(curator, "curator@iofs.example")
    curator.goto("/genebank/requests?lang=en")
    assert "Dr P. Requester" in curator.locator("section.public-request").first.inner_text()
    curator.goto(f"/genebank/accessions/{genebank_data['wheat']}?lang=en")
    row = curator.locator("table.distributions tr", has_text="Dr P. Requester")
    assert row.locator("select[name=smta_form]").input_value() == "click-wrap"
    row.locator("form.order-form input[name=mta_identifier]").fill("SMTA-CW-1")
    row.locator("form.order-form input[name=seeds]").fill("25")
    row.locator("form.order-form button[type=submit]").click()
    curator.wait_for_url("**#distributions")
    row = curator.locator("table.distributions tr", has_text="Dr P. Requester")
    row.locator("form.ship-form button[type=submit]").click()
    curator.wait_for_url("**#distributions")
    row = curator.locator("table.distributions tr", has_text="Dr P. Requester")
    assert row.locator(".status").inner_text() == "shipped"
    curator.context.close()

    page.goto("/genebank/my-requests?lang=en")
    assert page.locator("section.public-request .status").inner_text() == "shipped"
