"""The monitor feeds give the same numbers as the monitor modules themselves."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from iofs import feeds
from iofs.config import get_settings
from iofs.monitor.prices import ingest, service
from tests.monitor.prices.test_prices import _write_series


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("IOFS_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_ipa_alert_share_feed_matches_the_price_alerts(data_dir: Path) -> None:
    path = _write_series(data_dir / "wfp_food_prices_afg.csv", spike=1.3)
    ingest.ingest_file(path, data_dir / "analytics")
    alerts = service.country_alerts(service.signals(data_dir / "analytics"), "2017-12")
    expected = Decimal(str(round(100 * alerts[0].alert_share, 2)))
    assert feeds.feed_value(None, "prices.ipa_alert_share", "AFG", 2017) == expected  # type: ignore[arg-type]
    assert expected == Decimal("100.0")
    assert feeds.feed_value(None, "prices.ipa_alert_share", "EGY", 2017) is None  # type: ignore[arg-type]


def test_feeds_without_data_answer_none(data_dir: Path) -> None:
    assert feeds.feed_value(None, "prices.ipa_alert_share", "AFG", 2020) is None  # type: ignore[arg-type]
    assert (
        feeds.feed_value(
            None,
            "faostat.cereal_import_dependency_ratio",
            "EGY",  # type: ignore[arg-type]
            2016,
        )
        is None
    )
    names = {f.name for f in feeds.available_feeds()}
    assert {"prices.ipa_alert_share", "faostat.cereal_import_dependency_ratio"} <= names
