"""Reserves in the browser: a trigger's draft carried through assessment, the committee's
decision (a second person), dispatch from a named lot, delivery (visible in the programmes
pipeline and the appeal's tonnes once approved there) and replenishment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from iofs.accounts.service import cli_principal
from iofs.config import Settings
from iofs.db import make_engine, make_session_factory, transaction
from iofs.programmes import registry as programmes_registry
from iofs.reserves import cover, ledger, registry, triggers
from tests.browser.test_accounts import sign_in_as

pytestmark = pytest.mark.browser

APPEAL = "RES-BROWSER-AFG"


@pytest.fixture(scope="module")
def reserve_draft(live_settings: Settings) -> str:
    """A pilot reserve with 900 t of wheat in Kazakhstan, an appeal for Afghanistan, and one
    draft request raised by the SPI rule (sized by hand here: no FAOSTAT in the test store)."""
    operator = cli_principal()
    engine = make_engine(live_settings.resolved_database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            programmes_registry.put_appeal(
                session,
                operator,
                {
                    "code": APPEAL,
                    "title": "Reserve release to Afghanistan (browser test)",
                    "commodity": "wheat",
                    "launched_on": date(2025, 3, 1),
                },
            )
            programmes_registry.put_revision(
                session,
                operator,
                APPEAL,
                {
                    "number": 0,
                    "issued_on": date(2025, 3, 1),
                    "requirements": [
                        {
                            "country": "AFG",
                            "sector_code": "72040",
                            "year": 2025,
                            "amount_usd": "100000",
                            "quantity_t": "1000",
                        }
                    ],
                },
            )
            registry.put_system(
                session,
                operator,
                {
                    "code": "BROWSER",
                    "name": "Pilot reserve",
                    "kind": "regional",
                    "members": ["KAZ", "AFG"],
                },
            )
            registry.put_warehouse(
                session,
                operator,
                {
                    "code": "KAZ-B",
                    "name": "Kostanay",
                    "country": "KAZ",
                    "capacity_t": 5000,
                    "latitude": 53.2,
                    "longitude": 63.6,
                    "system": "BROWSER",
                },
            )
            lot = ledger.put_lot(
                session,
                operator,
                {
                    "code": "KAZ-B-1",
                    "warehouse": "KAZ-B",
                    "commodity": "wheat",
                    "received_on": date(2024, 9, 1),
                },
            )
            session.flush()
            ledger.append(session, operator, lot, "receipt", date(2024, 9, 1), Decimal(900))
            rule = next(r for r in triggers.load_rules() if r.id == "spi3-severe-drought")
            firing = triggers.Firing(rule, "AFG", "SPI-3 ≤ -1.5 over 42 % of the area")
            gap = cover.import_gap(Decimal("10"), Decimal("1200"), 3, Decimal(0))
            drafts = [triggers.Draft(firing, gap, f"{rule.label}: " + "; ".join(gap.arithmetic))]
            created = triggers.raise_drafts(session, operator, drafts, date.today())
            return created[0].reference
    finally:
        engine.dispose()


def _sign_out(page: Any, live_server: Any) -> None:
    page.click("form.signout button")
    page.wait_for_url(live_server.url + "/")


def test_draft_to_delivery_and_replenishment(
    page: Any, live_server: Any, reserve_draft: str
) -> None:
    url = f"/reserves/requests/{reserve_draft}?lang=en"
    page.goto("/reserves/requests?lang=en")
    assert "Draft (raised by a trigger)" in page.inner_text(f"#request-{reserve_draft}")

    # the secretariat assesses the draft (its sizing arithmetic is shown)
    sign_in_as(page, "secretariat@iofs.example")
    page.goto(url)
    assert "10 % × 1,200 t ÷ 12 = 10.000 t/month" in page.inner_text("#sizing")
    form = page.locator("#assess-form")
    form.locator("textarea[name=note]").fill("Northern provinces, three months of imports")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/reserves/requests/{reserve_draft}")
    assert page.inner_text("#status") == "Assessed"
    # the assessor may not decide (maker–checker): no decision form for them
    assert page.locator("#decision-form").count() == 0
    assert "someone other" in page.inner_text("#decision-hint")
    _sign_out(page, live_server)

    # a second person decides, dispatches from the named lot and records the delivery
    sign_in_as(page, "admin@iofs.example")
    page.goto(url)
    form = page.locator("#decision-form")
    form.locator("textarea[name=reason]").fill("Committee approves the assessed tonnes")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/reserves/requests/{reserve_draft}")
    assert page.inner_text("#status") == "Approved"
    form = page.locator("#dispatch-form")
    form.locator("input[name=appeal]").fill(APPEAL)
    form.locator("select[name=lot_0]").select_option("KAZ-B-1")
    form.locator("input[name=quantity_0]").fill("30")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/reserves/requests/{reserve_draft}")
    assert page.inner_text("#status") == "Dispatched"
    form = page.locator("#delivery-form")
    form.locator("input[name=quantity_t]").fill("30")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/reserves/requests/{reserve_draft}")
    assert page.inner_text("#status") == "Delivered"
    assert f"RES-{reserve_draft}" in page.inner_text("#consignment")
    _sign_out(page, live_server)

    # the delivery is a programmes consignment: it counts once a second person approves it
    page.goto(f"/programmes/appeals/{APPEAL}?lang=en")
    assert "0 t of 1,000 t" in page.inner_text("#tonnes-delivered")
    sign_in_as(page, "secretariat@iofs.example")
    page.goto("/programmes/review?lang=en")
    for _ in range(3):
        page.locator("tr", has_text=f"RES-{reserve_draft}").first.locator(
            "button[value=approved]"
        ).click()
        page.wait_for_url("**/programmes/review")
    assert page.locator("tr", has_text=f"RES-{reserve_draft}").count() == 0
    page.goto(f"/programmes/appeals/{APPEAL}?lang=en")
    assert "30 t of 1,000 t" in page.inner_text("#tonnes-delivered")

    # replenishment: grain for grain, then settled into the lot it came from
    page.goto(url)
    form = page.locator("#replenishment-form")
    form.locator("input[name=due_on]").fill("2026-12-31")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/reserves/requests/{reserve_draft}")
    # a unit sits with its number after a no-break space (iofs.http.formatting)
    assert "Grain for grain 30.000 t" in page.inner_text("#replenishment").replace("\u00a0", " ")
    form = page.locator("#settlement-form")
    form.locator("select[name=lot]").select_option("KAZ-B-1")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/reserves/requests/{reserve_draft}")
    assert page.inner_text("#status") == "Replenished"
    page.goto("/reserves/warehouses/KAZ-B?lang=en")
    assert page.inner_text("#held") == "900"
