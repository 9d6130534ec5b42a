"""BrAPI v2 endpoints: envelope, paging, visibility, validated against the BrAPI schema."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.db import transaction
from iofs.genebank import demo, service
from iofs.genebank.models import Accession
from tests.conftest import make_user
from tests.genebank.brapi_schema import validate


@pytest.fixture
def spec(shared_data: Path) -> Path:
    root = shared_data / "brapi" / "Specification"
    if not root.is_dir():
        pytest.skip(f"BrAPI specification not found at {root}")
    return root


def _demo_with_traits(factory: sessionmaker[Session]) -> dict[str, int]:
    with transaction(factory) as session:
        demo.load(session, cli_principal())
        service.define_trait(
            session,
            cli_principal(),
            service.TraitIn(
                code="DTH",
                name="Days to heading",
                crop="wheat",
                scale="numeric",
                unit="d",
                minimum=30,
                maximum=250,
                method="Days from sowing to 50 % of heads out",
            ),
        )
        service.define_trait(
            session,
            cli_principal(),
            service.TraitIn(
                code="DRT",
                name="Drought tolerance",
                crop="wheat",
                scale="ordinal",
                categories="1=very low;3=low;5=intermediate;7=high;9=very high",
            ),
        )
        ids = {a.accenumb: a.id for a in session.execute(select(Accession)).scalars()}
        rows = [
            (
                2,
                {
                    "INSTCODE": "KAZ900",
                    "ACCENUMB": "DEMO-0001",
                    "TRAIT": "DTH",
                    "VALUE": "104",
                    "DATE": "2024-06-20",
                    "SITE": "Astana",
                },
            ),
            (3, {"INSTCODE": "KAZ900", "ACCENUMB": "DEMO-0001", "TRAIT": "DRT", "VALUE": "7"}),
            (4, {"INSTCODE": "KAZ900", "ACCENUMB": "DEMO-0008", "TRAIT": "DRT", "VALUE": "9"}),
        ]
        service.import_observations(session, cli_principal(), rows)
    return ids


def test_brapi_responses_validate_and_page(
    client: TestClient, loaded_registry: sessionmaker[Session], spec: Path
) -> None:
    ids = _demo_with_traits(loaded_registry)
    _uid, token = make_user(loaded_registry, "curator@iofs.example", "genebank_curator")
    curator = {"Authorization": f"Bearer {token}"}

    def get(url: str, spec_path: str, headers: dict[str, str] | None = None) -> dict:  # type: ignore[type-arg]
        response = client.get("/brapi/v2" + url, headers=headers or {})
        assert response.status_code == 200, response.text
        body = response.json()
        validate(spec, spec_path, body)
        return body  # type: ignore[no-any-return]

    info = get("/serverinfo", "/serverinfo")
    assert {"germplasm", "seedlots/transactions"} <= {c["service"] for c in info["result"]["calls"]}
    # Public: available accessions only (DEMO-0008 and DEMO-0010 are not).
    public = get("/germplasm?pageSize=3&page=1", "/germplasm")
    pagination = public["metadata"]["pagination"]
    assert pagination == {"currentPage": 1, "pageSize": 3, "totalCount": 8, "totalPages": 3}
    assert len(public["result"]["data"]) == 3
    everything = get("/germplasm?pageSize=1000", "/germplasm", curator)
    assert everything["metadata"]["pagination"]["totalCount"] == 10
    wheat = get(f"/germplasm?germplasmDbId={ids['DEMO-0001']}", "/germplasm")
    record = wheat["result"]["data"][0]
    assert record["accessionNumber"] == "DEMO-0001" and record["genus"] == "Triticum"
    assert record["germplasmOrigin"][0]["coordinates"]["geometry"]["coordinates"] == [71.43, 51.28]
    assert record["storageTypes"] == [{"code": "13", "description": "Long term"}]
    by_number = get("/germplasm?accessionNumber=DEMO-0003", "/germplasm")
    assert [g["accessionNumber"] for g in by_number["result"]["data"]] == ["DEMO-0003"]
    passport = get(f"/germplasm/{ids['DEMO-0001']}/mcpd", "/germplasm/{germplasmDbId}/mcpd")
    assert passport["result"]["collectingInfo"]["collectingDate"] == "2018-08-15"
    assert passport["result"]["countryOfOrigin"] == "KAZ"
    assert client.get(f"/brapi/v2/germplasm/{ids['DEMO-0008']}/mcpd").status_code == 404
    get(f"/germplasm/{ids['DEMO-0008']}/mcpd", "/germplasm/{germplasmDbId}/mcpd", curator)
    lots = get("/seedlots", "/seedlots", curator)
    assert lots["metadata"]["pagination"]["totalCount"] == 6
    assert {lot["units"] for lot in lots["result"]["data"]} == {"seeds"}
    moves = get("/seedlots/transactions", "/seedlots/transactions", curator)
    assert [t["amount"] > 0 for t in moves["result"]["data"]] == [True]
    assert get("/seedlots/transactions", "/seedlots/transactions")["result"]["data"] == []
    attributes = get("/attributes", "/attributes")
    scales = {a["attributeName"]: a["scale"] for a in attributes["result"]["data"]}
    assert scales["Days to heading"]["dataType"] == "Numerical"
    assert scales["Drought tolerance"]["validValues"]["categories"][0] == {
        "value": "1",
        "label": "very low",
    }
    values = get("/attributevalues", "/attributevalues")
    assert [(v["germplasmName"], v["value"]) for v in values["result"]["data"]] == [
        ("DEMO-0001", "104"),
        ("DEMO-0001", "7"),
    ]  # DEMO-0008 is not public
    assert values["result"]["data"][0]["determinedDate"].startswith(str(date(2024, 6, 20)))
    internal = get(
        "/attributevalues?attributeDbId="
        + str(scales and attributes["result"]["data"][1]["attributeDbId"]),
        "/attributevalues",
        curator,
    )
    assert {v["germplasmName"] for v in internal["result"]["data"]} == {"DEMO-0001", "DEMO-0008"}
