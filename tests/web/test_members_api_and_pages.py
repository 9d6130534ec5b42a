"""Members API, pages, languages, security headers, and agreement of CLI with the API."""

from __future__ import annotations

import json
import os

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from iofs.cli import app as cli_app
from iofs.config import Settings


def test_api_lists_57_members(client: TestClient) -> None:
    response = client.get("/api/v1/members")
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 57
    assert {"iso3", "name_ar", "fao_code", "iofs_status", "sources"} <= set(body[0])


def test_api_filters_and_one_member(client: TestClient) -> None:
    african = client.get("/api/v1/members", params={"group": "african"}).json()
    assert african and all(m["oic_group"] == "african" for m in african)
    assert client.get("/api/v1/members/kaz").json()["name_fr"] == "Kazakhstan"
    missing = client.get("/api/v1/members/FRA")
    assert missing.status_code == 404
    assert "not the ISO3 code of an OIC member state" in missing.json()["detail"]
    bad = client.get("/api/v1/members", params={"group": "european"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "group"


def test_openapi_and_healthz(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/members" in spec["paths"]
    assert "/api/v1/members/{iso3}" in spec["paths"]
    health = client.get("/healthz").json()
    assert health["status"] == "ok"


def test_pages_render_in_three_languages(client: TestClient) -> None:
    home = client.get("/")
    assert home.status_code == 200
    assert '<html lang="en" dir="ltr">' in home.text
    arabic = client.get("/?lang=ar")
    assert '<html lang="ar" dir="rtl">' in arabic.text
    assert "الدول الأعضاء" in arabic.text
    assert arabic.cookies.get("lang") == "ar"
    # the cookie is remembered on the next page
    remembered = client.get("/members")
    assert '<html lang="ar" dir="rtl">' in remembered.text
    french = client.get("/members/EGY?lang=fr")
    assert '<html lang="fr" dir="ltr">' in french.text
    assert "Égypte" in french.text
    client.cookies.clear()
    by_header = client.get("/members", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert '<html lang="fr"' in by_header.text


def test_member_list_filters(client: TestClient) -> None:
    page = client.get("/members", params={"group": "arab", "status": "member"})
    assert page.status_code == 200
    rows = page.text.count('<tr data-iso3="')
    api = client.get("/api/v1/members", params={"group": "arab", "iofs_status": "member"}).json()
    assert rows == len(api) > 0
    # an unknown filter value shows everything rather than failing
    assert client.get("/members", params={"group": "nonsense"}).text.count('<tr data-iso3="') == 57


def test_unknown_country_page_is_a_404_page(client: TestClient) -> None:
    page = client.get("/members/XYZ", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert "<html" in page.text and "XYZ is not the ISO3 code" in page.text


def test_security_headers_and_no_inline_script(client: TestClient) -> None:
    response = client.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "<script>" not in response.text and " style=" not in response.text


def test_static_assets_served_locally(client: TestClient) -> None:
    for path in (
        "/static/css/app.css",
        "/static/js/map.js",
        "/static/vendor/htmx.min.js",
        "/static/vendor/d3-geo.min.js",
        "/static/vendor/topojson-client.min.js",
        "/static/vendor/countries-50m.json",
    ):
        assert client.get(path).status_code == 200, path


def test_cli_json_agrees_with_api(client: TestClient, settings: Settings) -> None:
    env = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
    }
    result = CliRunner().invoke(cli_app, ["members", "list", "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == client.get("/api/v1/members").json()
    shown = CliRunner().invoke(cli_app, ["members", "show", "tjk", "--format", "json"], env=env)
    assert json.loads(shown.output)["name_en"] == "Tajikistan"
    missing = CliRunner().invoke(cli_app, ["members", "show", "XXX"], env=env)
    assert missing.exit_code == 1 and "not the ISO3 code" in missing.output
    csv_out = CliRunner().invoke(
        cli_app, ["members", "list", "--format", "csv", "--group", "asian"], env=env
    )
    assert csv_out.output.splitlines()[0].startswith("iso3,iso2")
    bad = CliRunner().invoke(cli_app, ["members", "list", "--group", "european"], env=env)
    assert bad.exit_code == 2 and "--group must be one of" in bad.output
