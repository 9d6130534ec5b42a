"""Drought block: latest SPI-3 area shares and 12 months of history (drought service)."""

from __future__ import annotations

from iofs.briefs.blocks.common import (
    DROUGHT_MONTHS,
    SPI_SCALE,
    as_float,
)
from iofs.briefs.charts import monthly_line
from iofs.briefs.model import Block, Chart, Fact, Missing, Table, number, percent
from iofs.config import Settings
from iofs.i18n import gettext as _


def drought(settings: Settings, iso3: str, month: str | None = None) -> Block:
    """Latest SPI-3 area shares (percent 0–100 of the area with data) and 12 months of
    history, up to ``month`` when given."""
    from iofs.monitor.drought import service

    block = Block("drought", _("Drought"), "/drought", _("Drought monitor"))
    frame = service.country_series(settings, iso3, SPI_SCALE)
    if month:
        frame = frame[frame["month"].astype(str).str[:7] <= month]
    if frame.empty:
        block.missing.append(
            Missing(
                _("No SPI-3 drought statistics for this state."),
                command="iofs drought zonal",
                page="/drought",
            )
        )
        return block
    block.link = f"/drought/{iso3}"
    frame = frame.drop_duplicates("month", keep="first")
    last = frame.iloc[-1]
    seen = str(last["month"])[:7]
    block.facts += [
        Fact(
            _("Mean SPI-3"),
            as_float(last["mean_spi"]),
            number(as_float(last["mean_spi"]), 2),
            as_of=seen,
        ),
        Fact(
            _("Area in drought (SPI-3 ≤ −1)"),
            as_float(last["share_moderate"]),
            percent(as_float(last["share_moderate"])),
            "%",
            seen,
        ),
        Fact(
            _("Area in severe drought (SPI-3 ≤ −1.5)"),
            as_float(last["share_severe"]),
            percent(as_float(last["share_severe"])),
            "%",
            seen,
        ),
        Fact(
            _("Area in extreme drought (SPI-3 ≤ −2)"),
            as_float(last["share_extreme"]),
            percent(as_float(last["share_extreme"])),
            "%",
            seen,
        ),
    ]
    recent = frame.tail(DROUGHT_MONTHS)
    points = [
        (str(m)[:7], float(v))
        for m, v in zip(recent["month"], recent["share_moderate"], strict=True)
        if v == v
    ]
    block.tables.append(
        Table(
            _("Last 12 months"),
            (_("Month"), _("Mean SPI-3"), _("Area in drought")),
            tuple(
                (
                    str(r["month"])[:7],
                    number(as_float(r["mean_spi"]), 2),
                    percent(as_float(r["share_moderate"])),
                )
                for _i, r in recent.iloc[::-1].iterrows()
            ),
        )
    )
    if len(points) >= 2:
        title = _("Area in drought (SPI-3 ≤ −1), percent")
        block.charts.append(Chart(title, monthly_line(points, title, "%", (0.0, 100.0))))
    return block
