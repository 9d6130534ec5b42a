"""What the FAOSTAT API and pages share from a request: the analytics directory, query types."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Query, Request

from iofs.monitor.faostat.definitions import INDICATORS

Year = Annotated[int | None, Query(ge=1900, le=2200, description="Only this year (YYYY)")]
Item = Annotated[
    str | None, Query(max_length=200, description="FAO item name, e.g. 'Wheat and products'")
]

#: The indicators as the API documents them: ``id`` (unit): label.
INDICATOR_LIST = "; ".join(f"`{i.identifier}` ({i.unit}): {i.label}" for i in INDICATORS.values())


def analytics_dir(request: Request) -> Path:
    """The analytics directory of the running app."""
    path: Path = request.app.state.settings.analytics_dir
    return path
