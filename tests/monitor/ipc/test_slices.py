"""IPC slices: one per ingested file, listed and removed."""

from __future__ import annotations

from pathlib import Path

import pytest

from iofs.monitor.ipc import service
from iofs.slices import UnknownSlice


def test_list_remove_relist(tmp_path: Path, sudan_file: Path) -> None:
    analytics = tmp_path / "analytics"
    service.ingest([sudan_file], analytics)
    [found] = service.slices(analytics)
    assert found.id == "ipc:ipc_sdn_national_long"
    assert found.source == sudan_file.name and found.countries == 2
    assert found.rows > 0 and found.first == "2021-10" and found.last == "2022-06"
    assert service.latest(analytics, include_non_oic=True)
    assert service.remove_slice(analytics, found.id) == found
    assert service.slices(analytics) == []
    with pytest.raises(service.NoIpcData):
        service.latest(analytics)
    with pytest.raises(UnknownSlice):
        service.remove_slice(analytics, found.id)
