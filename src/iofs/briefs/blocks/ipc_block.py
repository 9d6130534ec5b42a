"""IPC / Cadre Harmonisé block: latest national analysis, people per phase, projections (IPC
service).
"""

from __future__ import annotations

from typing import Any

from iofs.briefs.cache import cached
from iofs.briefs.model import Block, Fact, Missing, Table, number, percent
from iofs.config import Settings
from iofs.i18n import N_
from iofs.i18n import gettext as _

PHASES = ("1", "2", "3", "4", "5")


def ipc(settings: Settings, iso3: str, month: str | None = None) -> Block:
    """The latest IPC/CH analysis (national): people per phase (persons), P3+ (persons and
    percent of the population analysed), and the projections."""
    from iofs.monitor.ipc import service

    block = Block("ipc", _("IPC / Cadre Harmonisé"), "/risk", _("Risk index (IPC input)"))
    try:
        found = ipc_latest(settings, month).get(iso3, [])
        projected = ipc_projections(settings).get(iso3, [])
    except service.NoIpcData:
        block.missing.append(
            Missing(_("No IPC analyses ingested."), command="iofs ingest ipc FILE")
        )
        return block
    if not found:
        block.missing.append(
            Missing(_("No IPC analysis of this state is stored."), command="iofs ingest ipc FILE")
        )
        return block
    analysis = found[0]
    period = f"{analysis.period_from:%Y-%m} – {analysis.period_to:%Y-%m}"
    share = analysis.share("P3+")
    block.facts += [
        Fact(
            _("Analysis"),
            analysis.kind,
            _(KIND_LABELS.get(analysis.kind, analysis.kind)),
            as_of=period,
        ),
        Fact(
            _("Population analysed"),
            analysis.population_analysed,
            number(analysis.population_analysed),
            _("people"),
            period,
        ),
        Fact(
            _("People in phase 3 or worse"),
            analysis.p3_plus_people,
            number(analysis.p3_plus_people),
            _("people"),
            period,
        ),
        Fact(
            _("Share in phase 3 or worse"),
            None if share is None else round(100 * share, 1),
            percent(None if share is None else 100 * share),
            "%",
            period,
        ),
    ]
    analyses = [analysis, *[a for a in projected if a.period_from > analysis.period_from]]
    block.tables.append(
        Table(
            _("People per phase"),
            (_("Period"), *[_("Phase %(phase)s") % {"phase": p} for p in PHASES]),
            tuple(
                (
                    f"{_(KIND_LABELS.get(a.kind, a.kind))} "
                    f"{a.period_from:%Y-%m} – {a.period_to:%Y-%m}",
                    *[number(a.people_in(p)) for p in PHASES],
                )
                for a in analyses
            ),
        )
    )
    return block


def ipc_latest(settings: Settings, month: str | None) -> dict[str, list[Any]]:
    """Every OIC state's latest national IPC analysis valid in ``month`` (default: its
    latest current one), by ISO3; raises the IPC service's ``NoIpcData``."""
    from iofs.monitor.ipc import service

    def read() -> dict[str, list[Any]]:
        grouped: dict[str, list[Any]] = {}
        for analysis in service.latest(settings.analytics_dir, month):
            grouped.setdefault(analysis.country, []).append(analysis)
        return grouped

    return cached(settings.analytics_dir / "ipc", ("latest", month), read)


def ipc_projections(settings: Settings) -> dict[str, list[Any]]:
    """Every OIC state's latest projections, by ISO3."""
    from iofs.monitor.ipc import service

    def read() -> dict[str, list[Any]]:
        grouped: dict[str, list[Any]] = {}
        for analysis in service.projections(settings.analytics_dir):
            grouped.setdefault(analysis.country, []).append(analysis)
        return grouped

    return cached(settings.analytics_dir / "ipc", ("projections",), read)


KIND_LABELS = {
    "current": N_("current"),
    "projected": N_("projected"),
    "second_projected": N_("second projection"),
}
