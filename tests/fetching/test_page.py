"""/data/fetches: the last run of each source, for the secretariat and viewers (ar, fr)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs.config import Settings
from iofs.fetching.runs import Source, fetch_source, record_failure
from tests.conftest import make_user, sign_in
from tests.fetching.fixtures import price_csv
from tests.fetching.server import HdxServer


def test_fetches_page(
    client: TestClient,
    settings: Settings,
    loaded_registry: sessionmaker[Session],
    hdx: HdxServer,
) -> None:
    url = hdx.put("/d/wfp_food_prices_afg.csv", price_csv())
    afg = Source("prices:AFG", "WFP prices AFG", url, settings.data_dir / "afg.csv", "csv")
    fetch_source(loaded_registry, afg, lambda _path: 48)
    fetch_source(loaded_registry, afg, lambda _path: 0)  # the newest: not modified
    gone = Source(
        "ipc:ipc_global_area_long.csv", "IPC", hdx.base_url + "/gone.csv", settings.data_dir / "g"
    )
    fetch_source(loaded_registry, gone, lambda _path: 0)
    record_failure(
        loaded_registry,
        Source(
            "faostat:QCL:download",
            "FAOSTAT QCL",
            "https://bulks.example/qcl.zip",
            settings.data_dir,
        ),
        "https://bulks.example/qcl.zip: the host cannot be reached (no answer before the timeout).",
    )
    for role in ("secretariat", "viewer", "focal_point"):
        make_user(
            loaded_registry, f"{role}@iofs.example", role, ("KAZ",) if role == "focal_point" else ()
        )

    anonymous = client.get("/data/fetches", follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401)
    sign_in(client, "focal_point@iofs.example")
    assert client.get("/data/fetches").status_code == 403
    client.cookies.clear()
    sign_in(client, "viewer@iofs.example")
    page = client.get("/data/fetches", params={"lang": "en"})
    assert page.status_code == 200
    text = page.text
    # Newest run per source, in dataset order: prices, IPC, FAOSTAT; names, not codes.
    assert (
        text.index("Afghanistan")
        < text.index("ipc_global_area_long.csv")
        < text.index("QCL (download only)")
    )
    assert "not modified" in text and 'class="fetch-fetched"' not in text
    assert "/gone.csv: not found on the server (HTTP 404)." in text
    assert "no answer before the timeout" in text
    client.cookies.clear()
    sign_in(client, "secretariat@iofs.example")
    arabic = client.get("/data/fetches", params={"lang": "ar"}).text
    assert 'dir="rtl"' in arabic and "جلب البيانات العامة" in arabic
    assert "أفغانستان" in arabic and "لم يتغيّر" in arabic and "فشل" in arabic
    french = client.get("/data/fetches", params={"lang": "fr"}).text
    assert "Récupération des données publiques" in french and "inchangé" in french
    assert "Lignes ajoutées" in french
