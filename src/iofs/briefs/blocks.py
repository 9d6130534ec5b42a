"""The blocks of a country brief, one small function each.

Each function reads one module through its public service, turns what it finds into a
:class:`~iofs.briefs.model.Block`, and turns absence of data into a :class:`Missing` entry
naming the command or page that adds it. A block never raises because data is absent.
Values carry their unit and the year or month they refer to.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from functools import cache
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from iofs import countries
from iofs.briefs.cache import cached
from iofs.briefs.charts import bars, monthly_line, sparkline
from iofs.briefs.model import Block, Chart, Fact, Missing, Table, number, percent
from iofs.config import Settings
from iofs.i18n import N_, current_language
from iofs.i18n import gettext as _
from iofs.members import service as members
from iofs.permissions import Principal

#: Months of history in the risk and drought blocks.
RISK_MONTHS = 24
DROUGHT_MONTHS = 12
SPI_SCALE = 3


def state_name(iso3: str, language: str | None = None) -> str:
    """A state's name in ``language`` (default: the current one), never a bare code when
    the code is a country."""
    return countries.name(iso3, language or current_language())


@cache
def oic_codes() -> frozenset[str]:
    """ISO3 codes of the 57 OIC states (the members module's packaged reference)."""
    return frozenset(row["iso3"] for row in members.reference_member_states())


# --- identity and membership --------------------------------------------------------------


def identity(session: Session, iso3: str) -> Block:
    """Names in the three languages, OIC group, IOFS status, General Assembly sessions
    hosted and Executive Board seats."""
    state = members.get_member(session, iso3)
    block = Block(
        "identity", _("Identity and membership"), f"/members/{state.iso3}", _("Member state record")
    )
    block.facts += [
        Fact(_("Name (Arabic)"), state.name_ar, state.name_ar),
        Fact(_("Name (English)"), state.name_en, state.name_en),
        Fact(_("Name (French)"), state.name_fr, state.name_fr),
        Fact(
            _("OIC group"),
            state.oic_group.value,
            _(GROUP_LABELS.get(state.oic_group.value, state.oic_group.value)),
        ),
        Fact(
            _("IOFS status"),
            state.iofs_status.value,
            _(STATUS_LABELS.get(state.iofs_status.value, state.iofs_status.value)),
        ),
        Fact(_("OIC member since"), state.oic_accession_year, str(state.oic_accession_year)),
    ]
    if state.iofs_statute_signed_on:
        block.facts.append(
            Fact(
                _("IOFS Statute signed"),
                str(state.iofs_statute_signed_on),
                str(state.iofs_statute_signed_on),
            )
        )
    hosted = [s for s in members.general_assembly_sessions(session) if s.host_iso3 == state.iso3]
    seats = [s for s in members.executive_board(session) if s.iso3 == state.iso3]
    block.facts.append(
        Fact(
            _("General Assembly sessions hosted"),
            len(hosted),
            ", ".join(_("Session %(number)d") % {"number": s.number} for s in hosted) or _("none"),
        )
    )
    block.facts.append(
        Fact(
            _("Executive Board seats"),
            len(seats),
            ", ".join(f"{s.year} ({s.role})" for s in seats) or _("none"),
        )
    )
    return block


GROUP_LABELS = {
    "arab": N_("Arab"),
    "african": N_("African"),
    "asian": N_("Asian"),
    "unknown": N_("Group unknown"),
}
STATUS_LABELS = {
    "member": N_("IOFS member"),
    "not_member": N_("Not an IOFS member"),
    "unknown": N_("IOFS membership unknown"),
}


# --- risk -----------------------------------------------------------------------------------


def risk(settings: Settings, iso3: str, month: str | None = None) -> Block:
    """The IOFS risk index (0–10): class, value, top drivers, 24-month trend, watchlist
    entry; from :mod:`iofs.monitor.risk.service`."""
    from iofs.monitor.risk import service as risk_service

    block = Block("risk", _("Risk"), "/risk", _("Risk index"))
    found = risk_service.country_risk(settings, iso3, month)
    if found is None or found.value is None:
        block.missing.append(
            Missing(
                _("No risk index for this state yet."), command="iofs risk update", page="/risk"
            )
        )
        return block
    block.link = f"/risk/{iso3}"
    block.facts += [
        Fact(_("Risk class"), found.risk_class, found.class_label, as_of=found.month),
        Fact(
            _("Risk index"),
            round(found.value, 1),
            number(found.value, 1, "/ 10"),
            "0–10",
            found.month,
        ),
        Fact(_("Top drivers"), found.drivers, found.drivers, as_of=found.month),
    ]
    history = list(found.history)[-RISK_MONTHS:]
    if len(history) >= 2:
        change = history[-1][1] - history[0][1]
        block.facts.append(
            Fact(
                _("Change over the period shown"),
                round(change, 1),
                f"{change:+.1f}",
                "points",
                f"{history[0][0]} – {history[-1][0]}",
            )
        )
        title = _("Risk index, last 24 months")
        block.charts.append(
            Chart(title, monthly_line(history, title, _("Risk (0–10)"), (0.0, 10.0)))
        )
    entry = risk_service.watch_entry(settings, iso3, month)
    block.facts.append(
        Fact(
            _("Watchlist"),
            entry.list if entry else "",
            (
                f"{_(WATCH_LABELS[entry.list])}: {entry.change}"
                if entry
                else _("not on the watchlist")
            ),
            as_of=found.month,
        )
    )
    return block


WATCH_LABELS = {"high": N_("high risk"), "watch": N_("on watch")}


# --- food prices ----------------------------------------------------------------------------


def prices(settings: Settings, iso3: str, month: str | None = None) -> Block:
    """Retail staple price series in GIEWS IPA watch or alert in the month (default: the
    state's latest), and the worst three with a 24-month sparkline (local currency)."""
    from iofs.monitor.prices import service

    block = Block("prices", _("Food prices"), "/prices", _("Food prices"))
    try:
        result = service.signals(settings.analytics_dir)
    except service.NoPriceData:
        block.missing.append(
            Missing(_("No market prices ingested."), command="iofs fetch prices", page="/prices")
        )
        return block
    rows = cached(
        settings.analytics_dir / "prices",
        ("anomalies", iso3, month),
        lambda: service.anomalies_for(result, iso3, month),
    )
    if rows.empty:
        block.missing.append(
            Missing(
                _("No market price series for this state."),
                command="iofs fetch prices",
                page="/prices",
            )
        )
        return block
    is_staple = [service.is_staple(None, str(c)) for c in rows["commodity"]]
    staple = rows[
        (rows["price_type"].astype(str).str.lower() == "retail").to_numpy()
        & np.array(is_staple, dtype=bool)
    ]
    seen = str(rows["month"].iloc[0])
    block.link = f"/prices/{iso3}"
    flagged = staple[staple["ipa_class"].astype(str).isin(["watch", "alert"])]
    counts = Counter(str(c) for c in staple["ipa_class"])
    block.facts += [
        Fact(_("Staple series priced"), len(staple), number(len(staple)), as_of=seen),
        Fact(_("In IPA watch"), counts["watch"], number(counts["watch"]), as_of=seen),
        Fact(_("In IPA alert"), counts["alert"], number(counts["alert"]), as_of=seen),
    ]
    worst = flagged.sort_values("ipa", ascending=False).head(3)
    table_rows, links = [], []
    for _index, row in worst.iterrows():
        label = f"{row['commodity']} — {row['market']}"
        table_rows.append(
            (
                label,
                f"{float(row['ipa']):.2f}",
                _(IPA_LABELS.get(str(row["ipa_class"]), str(row["ipa_class"]))),
                f"{float(row['price']):,.2f} {row['currency']}/{row['unit']}",
            )
        )
        links.append(f"/prices/series/{int(row['series'])}")
        history = service.series_history(result, int(row["series"])).tail(RISK_MONTHS)
        points = [
            (str(m), float(p))
            for m, p in zip(history["month"], history["price"], strict=True)
            if p == p
        ]
        if len(points) >= 2:
            block.charts.append(Chart(label, sparkline(points, label)))
    if table_rows:
        block.tables.append(
            Table(
                _("Worst staple series (IPA)"),
                (_("Series"), _("IPA"), _("Class"), _("Price")),
                tuple(table_rows),
                tuple(links),
            )
        )
    else:
        block.notes.append(_("No staple series is in IPA watch or alert."))
    return block


IPA_LABELS = {"normal": N_("normal"), "watch": N_("watch"), "alert": N_("alert")}


# --- drought --------------------------------------------------------------------------------


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
            _float(last["mean_spi"]),
            number(_float(last["mean_spi"]), 2),
            as_of=seen,
        ),
        Fact(
            _("Area in drought (SPI-3 ≤ −1)"),
            _float(last["share_moderate"]),
            percent(_float(last["share_moderate"])),
            "%",
            seen,
        ),
        Fact(
            _("Area in severe drought (SPI-3 ≤ −1.5)"),
            _float(last["share_severe"]),
            percent(_float(last["share_severe"])),
            "%",
            seen,
        ),
        Fact(
            _("Area in extreme drought (SPI-3 ≤ −2)"),
            _float(last["share_extreme"]),
            percent(_float(last["share_extreme"])),
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
                    number(_float(r["mean_spi"]), 2),
                    percent(_float(r["share_moderate"])),
                )
                for _i, r in recent.iloc[::-1].iterrows()
            ),
        )
    )
    if len(points) >= 2:
        title = _("Area in drought (SPI-3 ≤ −1), percent")
        block.charts.append(Chart(title, monthly_line(points, title, "%", (0.0, 100.0))))
    return block


def _float(value: Any) -> float | None:
    try:
        number_value = float(value)
    except (TypeError, ValueError):
        return None
    return number_value if number_value == number_value else None


# --- food supply (FAOSTAT) ------------------------------------------------------------------

FOOD_SUPPLY = (
    ("dietary_energy_supply", None),
    ("prevalence_of_undernourishment", None),
    ("self_sufficiency_ratio", "Cereals - Excluding Beer"),
    ("cereal_import_dependency_ratio", None),
)
#: FBS element "Import quantity" (1000 t).
IMPORT_QUANTITY = 5611


def food_supply(settings: Settings, iso3: str) -> Block:
    """Dietary energy supply (kcal/capita/day), undernourishment (%), cereal
    self-sufficiency and import dependency (%), each with its year; top imported staples
    (FBS import quantity, 1000 t)."""
    from iofs.monitor.faostat import service

    block = Block("food_supply", _("Food supply"), "/faostat", _("Food statistics"))
    rows = faostat_rows(settings).get(iso3, [])
    definitions = {d.identifier: d for d in service.definitions()}
    for indicator, item in FOOD_SUPPLY:
        chosen = sorted(
            (
                r
                for r in rows
                if r["indicator"] == indicator and (item is None or r["item"] == item)
            ),
            key=lambda r: (r["year"], r["source"] == "computed"),
        )
        label = _(definitions[indicator].label) if indicator in definitions else indicator
        if not chosen:
            block.missing.append(
                Missing(
                    _("%(indicator)s: no value.") % {"indicator": label},
                    command="iofs fetch faostat",
                    page="/faostat",
                )
            )
            continue
        latest = chosen[-1]
        block.facts.append(
            Fact(
                label,
                latest["value"],
                number(latest["value"], 1, latest["unit"]),
                latest["unit"],
                str(latest["year"]),
            )
        )
    imports = cached(
        settings.analytics_dir / "faostat",
        ("top_items", iso3),
        lambda: service.top_items(settings.analytics_dir, iso3, "FBS", IMPORT_QUANTITY, 5),
    )
    if imports:
        year = max(int(str(r["year"])) for r in imports)
        top = sorted(
            (
                (str(r["series"]), float(str(r["value"])))
                for r in imports
                if int(str(r["year"])) == year
            ),
            key=lambda r: -r[1],
        )
        block.tables.append(
            Table(
                _("Top imported foods, %(year)d (1000 t)") % {"year": year},
                (_("Item"), _("Imports (1000 t)")),
                tuple((name, number(value)) for name, value in top),
            )
        )
        block.charts.append(
            Chart(
                _("Imports (1000 t)"),
                bars(top, _("Top imported foods, %(year)d") % {"year": year}, _("1000 t")),
            )
        )
    else:
        block.missing.append(
            Missing(
                _("Import quantities (food balance sheets) not ingested."),
                command="iofs fetch faostat",
                page="/faostat",
            )
        )
    block.missing.append(
        Missing(
            _(
                "Where imports come from needs the FAOSTAT detailed trade "
                "matrix by partner, which the FAOSTAT service does not "
                "offer yet."
            ),
            command="iofs fetch faostat TM",
        )
    )
    if block.facts or block.tables:
        block.link = f"/faostat/{iso3}"
    return block


def faostat_rows(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Every state's FAOSTAT indicator values (indicator, item, year, value, unit, source),
    read once per state of the store."""
    from iofs.monitor.faostat import service

    def read() -> dict[str, list[dict[str, Any]]]:
        table = service.indicator_table(settings.analytics_dir)
        columns = ["area", "indicator", "item", "year", "value", "unit", "source"]
        grouped: dict[str, list[dict[str, Any]]] = {}
        for row in table[columns].to_dict(orient="records"):
            if row["value"] == row["value"] and row["value"] is not None:
                grouped.setdefault(str(row["area"]), []).append(row)
        return grouped

    return cached(settings.analytics_dir / "faostat", ("indicators",), read)


# --- IPC / Cadre Harmonisé ------------------------------------------------------------------

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


# --- aid (programmes) -----------------------------------------------------------------------


def aid(session: Session, principal: Principal, iso3: str) -> Block:
    """Contributions to the state (USD by status), donors, tonnes given in kind, and the
    OCHA FTS flows among them; approved figures for everyone (the programmes service
    decides what ``principal`` may see)."""
    from iofs.programmes import service

    block = Block("aid", _("Aid"), "/programmes", _("Programmes"))
    seen = service.visible_contributions(session, principal, country=iso3)
    counted = [(c, d) for c, d in seen if c.approval == "approved" and c.new_money]
    if not counted:
        block.missing.append(
            Missing(
                _("No approved contribution to this state is recorded."),
                command="iofs programmes import fts FILE",
                page="/programmes/entry",
            )
        )
        return block
    block.link = f"/programmes/countries/{iso3}"
    by_status: dict[str, Decimal] = {}
    by_donor: dict[str, Decimal] = {}
    tonnes = Decimal(0)
    fts = Decimal(0)
    for contribution, donor in counted:
        by_status[contribution.status] = by_status.get(contribution.status, Decimal(0)) + (
            contribution.amount_usd
        )
        name = _localised_name(donor)
        by_donor[name] = by_donor.get(name, Decimal(0)) + contribution.amount_usd
        tonnes += contribution.quantity_t or Decimal(0)
        if contribution.fts_flow_id is not None:
            fts += contribution.amount_usd
    total = sum(by_status.values(), Decimal(0))
    block.facts += [
        Fact(_("Contributions (USD)"), float(total), number(float(total), 0, "USD")),
        *[
            Fact(_(STATUS_TEXT.get(status, status)), float(usd), number(float(usd), 0, "USD"))
            for status, usd in sorted(by_status.items())
        ],
        Fact(_("Given in kind (t)"), float(tonnes), number(float(tonnes), 1, "t")),
        Fact(_("Of which OCHA FTS flows (USD)"), float(fts), number(float(fts), 0, "USD")),
    ]
    block.tables.append(
        Table(
            _("Donors"),
            (_("Donor"), _("USD")),
            tuple(
                (name, number(float(usd)))
                for name, usd in sorted(by_donor.items(), key=lambda item: -item[1])
            ),
        )
    )
    block.missing.append(
        Missing(
            _(
                "Appeal requirements, coverage, tonnes delivered and people "
                "reached per state are not yet offered by the programmes "
                "service; see the programmes country page."
            ),
            page=f"/programmes/countries/{iso3}",
        )
    )
    return block


STATUS_TEXT = {
    "pledge": N_("Pledged (USD)"),
    "commitment": N_("Committed (USD)"),
    "paid": N_("Paid (USD)"),
}


def _localised_name(record: Any) -> str:
    language = current_language()
    return str(getattr(record, f"name_{language}", "") or record.name)


# --- food reserves --------------------------------------------------------------------------


def reserves(session: Session, iso3: str) -> Block:
    """Reserve holdings in the state (t, per commodity, today) and release requests for it
    (t requested, decided, delivered; days from request to delivery)."""
    from iofs.reserves import service

    block = Block("reserves", _("Food reserves"), "/reserves", _("Food reserves"))
    held = {
        commodity: tonnes
        for (state, commodity), tonnes in service.held_by_state(session).items()
        if state == iso3 and tonnes
    }
    requests = service.request_summaries(session, country=iso3)
    if not held and not requests:
        block.missing.append(
            Missing(
                _("No reserve holdings in or releases to this state."),
                command="iofs reserves",
                page="/reserves",
            )
        )
        return block
    total = sum(held.values(), Decimal(0))
    block.facts.append(
        Fact(_("Reserve stocks held in the state"), float(total), number(float(total), 0, "t"))
    )
    if held:
        block.tables.append(
            Table(
                _("Holdings by commodity"),
                (_("Commodity"), _("Tonnes")),
                tuple((c, number(float(t))) for c, t in sorted(held.items())),
            )
        )
    delivered = sum((Decimal(r["delivered_t"] or 0) for r in requests), Decimal(0))
    block.facts.append(Fact(_("Release requests"), len(requests), number(len(requests))))
    block.facts.append(
        Fact(_("Released and delivered (t)"), float(delivered), number(float(delivered), 0, "t"))
    )
    if requests:
        block.tables.append(
            Table(
                _("Release requests"),
                (_("Request"), _("Commodity"), _("Requested (t)"), _("Delivered (t)"), _("Status")),
                tuple(
                    (
                        str(r["reference"]),
                        str(r["commodity"]),
                        number(_float(r["quantity_t"])),
                        number(_float(r["delivered_t"])),
                        str(r["status"]),
                    )
                    for r in requests[:8]
                ),
            )
        )
    return block


# --- gene bank ------------------------------------------------------------------------------


def genebank(session: Session, principal: Principal, iso3: str) -> Block:
    """Accessions originating in the state (MCPD ORIGCTY), by crop, and their collecting
    sites (decimal degrees) for the map."""
    from iofs.genebank import service

    block = Block("genebank", _("Gene bank"), "/genebank", _("Gene bank"))
    query = service.SearchQuery(country=iso3, limit=0)
    result = service.search(session, principal, query)
    if not result.total:
        block.missing.append(
            Missing(
                _("No accession originating in this state."),
                command="iofs genebank import FILE",
                page="/genebank",
            )
        )
        return block
    block.link = f"/genebank?country={iso3}"
    block.facts.append(Fact(_("Accessions originating here"), result.total, number(result.total)))
    crops = result.facets.get("crop", [])[:10]
    block.tables.append(
        Table(
            _("By crop"),
            (_("Crop"), _("Accessions")),
            tuple((crop or _("unknown"), number(count)) for crop, count in crops),
            tuple(f"/genebank?country={iso3}&crop={crop}" for crop, _count in crops),
        )
    )
    points = service.collecting_points(session, principal, query, limit=500)
    block.facts.append(
        Fact(_("Collecting sites with coordinates"), len(points), number(len(points)))
    )
    if points:
        block.charts.append(Chart(_("Collecting sites"), sites_map(points)))
    return block


def sites_map(points: list[dict[str, Any]]) -> dict[str, Any]:
    """Vega-Lite spec: collecting sites as dots on longitude/latitude (degrees)."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 320,
        "height": 200,
        "title": _("Collecting sites"),
        "data": {"values": [{"lat": p["lat"], "lon": p["lon"]} for p in points]},
        "mark": {"type": "circle", "size": 30, "color": "#0b6e4f"},
        "encoding": {
            "x": {
                "field": "lon",
                "type": "quantitative",
                "title": _("Longitude (°)"),
                "scale": {"zero": False},
            },
            "y": {
                "field": "lat",
                "type": "quantitative",
                "title": _("Latitude (°)"),
                "scale": {"zero": False},
            },
        },
    }


# --- Strategic Vision 2031 ------------------------------------------------------------------


def strategy(session: Session, principal: Principal, iso3: str) -> Block:
    """The state's KPI scorecard for the latest reporting period, values still owed,
    agreements it is party to, events held there and trainings held there."""
    from iofs.briefs import strategy_source

    block = Block("strategy", _("Strategic Vision 2031"), "/strategy", _("Strategic Vision 2031"))
    found = strategy_source.state_view(session, principal, iso3)
    if found["year"] is None:
        block.missing.append(
            Missing(
                _("No reporting period is defined."), command="iofs demo load", page="/strategy"
            )
        )
    else:
        block.link = f"/strategy/states/{iso3}"
        statuses: Counter[str] = found["statuses"]
        for status, count in sorted(statuses.items()):
            block.facts.append(
                Fact(
                    _(strategy_source.status_label(status)),
                    count,
                    number(count),
                    _("KPIs"),
                    str(found["year"]),
                )
            )
        block.facts.append(
            Fact(
                _("Values still owed"),
                found["owed"],
                number(found["owed"]),
                _("KPIs"),
                str(found["year"]),
            )
        )
        if found["scorecard"]:
            block.tables.append(
                Table(
                    _("Scorecard %(year)d") % {"year": found["year"]},
                    (_("KPI"), _("Value"), _("Status")),
                    tuple(found["scorecard"]),
                )
            )
    for caption, key in (
        (_("Agreements"), "agreements"),
        (_("Events held here"), "events"),
        (_("Trainings held here"), "trainings"),
    ):
        rows = found[key]
        if rows:
            block.tables.append(Table(caption, (_("Title"), _("Date")), tuple(rows)))
    if not (found["agreements"] or found["events"] or found["trainings"]):
        block.notes.append(_("No agreement, event or training involving this state."))
    return block
