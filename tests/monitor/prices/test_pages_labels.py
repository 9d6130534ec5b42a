"""Price pages name the signals in the reader's language, and a series' ALPS eligibility is
said once for the series, not on every row that has a price."""

from __future__ import annotations

import html
import re
from pathlib import Path

from fastapi.testclient import TestClient

from iofs.config import Settings
from iofs.monitor.prices import ingest

HEADER = "countryiso3,date,market,commodity,unit,pricetype,currency,price\n"


def _write(path: Path) -> Path:
    lines = [HEADER]
    for year in range(2016, 2025):
        for month in range(1, 13):
            spike = 1.4 if (year == 2024 and month >= 10) else 1.0
            lines.append(
                f"KAZ,{year}-{month:02d}-15,Astana,Wheat flour,KG,Retail,KZT,"
                f"{(100 + month + 2 * (year - 2016)) * spike:.2f}\n"
            )
            if (year, month) <= (2023, 6):  # this series stops 18 months before the data end
                lines.append(
                    f"KAZ,{year}-{month:02d}-15,Almaty,Wheat flour,KG,Retail,KZT,"
                    f"{110 + month + year - 2016:.2f}\n"
                )
    path.write_text("".join(lines))
    return path


def test_alps_reason_once_per_series_and_classes_translated(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    ingest.ingest_file(_write(tmp_path / "kaz_prices.csv"), settings.analytics_dir)
    country = client.get("/prices/KAZ?month=2023-06&lang=fr")
    assert country.status_code == 200
    links = dict(re.findall(r'data-series="(\d+)"><td>(Astana|Almaty)<', country.text))
    assert set(links.values()) == {"Astana", "Almaty"}, links
    almaty = next(number for number, market in links.items() if market == "Almaty")
    page = client.get(f"/prices/series/{almaty}?lang=en")
    assert page.status_code == 200
    text = html.unescape(page.text)
    reason = "the series' last price is older than the data's last 6 months"
    assert text.count(reason) == 1  # above the table, not on each of its 90 rows
    assert 'id="alps-reason"' in text
    assert "no price in the last 6 months" not in text
    french = html.unescape(client.get(f"/prices/series/{almaty}?lang=fr").text)
    assert "le dernier prix de la série est antérieur aux 6 derniers mois" in french
    late = client.get("/prices/KAZ?month=2024-12&lang=fr")
    assert re.search(r'class="badge cat-(alert|watch)">(alerte|vigilance)<', late.text)
    assert ">alert<" not in late.text and ">watch<" not in late.text
