"""HXL-tagged CSV exports: contributions and 3W (who does what where), and their validation.

HXL, the Humanitarian Exchange Language (https://hxlstandard.org, hashtag dictionary
https://hxlstandard.org/standard/dictionary/), adds a row of hashtags under a CSV's header row
so that tools such as HDX, the HXL Proxy and libhxl read the columns without configuration.

- :func:`contributions_csv`: one row per approved contribution (one per usage year when its
  USD value is split over years), with the columns and hashtags of the IOFS example file
  (``shared/data/hxl/iofs-example-contributions.hxl.csv``) plus the parent contribution and
  the new-money flag, so that child allocations (IOFS → partner) are not counted twice.
  These two are tagged ``#meta+contribution+parent`` and ``#meta+new_money`` (``true`` /
  ``false``): not ``#activity+id…``, so that schemas requiring ``#activity+id`` see one
  identifier column only.
  Currency codes are tagged ``#currency``, never ``#value+…``: libhxl's default schema requires
  every ``#value`` cell to be a number (HDX's FTS files fail it for this reason).
- :func:`three_w_csv`: one row per country project — implementer, programme, project, sector,
  country, admin1, status, dates and the people and households reached (the newest approved,
  cumulative ``reached`` count of each unit, as on the appeal page).
- :func:`validation_errors`: libhxl's verdict on a CSV text against a schema (libhxl's
  built-in default schema when none is given).

Only approved figures are exported (maker–checker); exported values are in English, the
language of the humanitarian data exchange.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import hxl  # type: ignore[import-untyped]
import hxl.input  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs import spreadsheets
from iofs.i18n import gettext as _
from iofs.programmes import vocabulary as v
from iofs.programmes.contributions import usage_year_amounts
from iofs.programmes.models import (
    Appeal,
    Beneficiaries,
    Contribution,
    Organisation,
    Programme,
    Project,
)

#: FTS-style organisation types (FTS ``organizationTypes``) of our kinds of organisation.
ORGANISATION_TYPES = {
    "state": "Government",
    "iofs": "Intergovernmental organization",
    "un_agency": "UN agency",
    "intergovernmental": "Intergovernmental organization",
    "ngo": "NGO",
    "private": "Private organization/foundation",
    "other": "Other",
}
CONTRIBUTION_TYPES = {"cash": "financial", "in_kind": "in kind"}

#: (header, hashtag) of the contributions export; the first 18 are those of the IOFS example.
CONTRIBUTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Contribution ID", "#activity+id+contribution"),
    ("Donor", "#org+funder+name"),
    ("Donor type", "#org+funder+type"),
    ("Appeal code", "#activity+appeal+id+external"),
    ("Programme", "#activity+programme+name"),
    ("Recipient country", "#country+code+v_iso3"),
    ("Admin1", "#adm1+name"),
    ("Sector (cluster)", "#sector+cluster+name"),
    ("Status", "#status+funding"),
    ("Contribution type", "#financial+contribution+type"),
    ("Commodity", "#item+name"),
    ("Quantity", "#item+num"),
    ("Unit", "#item+unit"),
    ("Value (original)", "#value+funding+total"),
    ("Currency", "#currency"),
    ("Value USD", "#value+funding+total+usd"),
    ("Decision date", "#date+decision"),
    ("Usage year", "#date+year"),
    ("Parent contribution", "#meta+contribution+parent"),
    ("New money", "#meta+new_money"),
)

#: (header, hashtag) of the 3W export.
THREE_W_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Implementing organisation", "#org+impl+name"),
    ("Implementing organisation code", "#org+impl+code"),
    ("Programme code", "#activity+programme+code"),
    ("Programme", "#activity+programme+name"),
    ("Project code", "#activity+code"),
    ("Project", "#activity+name"),
    ("Sector code (OECD DAC)", "#sector+code"),
    ("Sector", "#sector+name"),
    ("Country", "#country+code"),
    ("Admin1", "#adm1+name"),
    ("Status", "#status+name"),
    ("Start date", "#date+start"),
    ("End date", "#date+end"),
    ("People reached", "#reached+ind"),
    ("Households reached", "#reached+hh"),
)

CENT = Decimal("0.01")
GRAM = Decimal("0.001")


def _csv(columns: Sequence[tuple[str, str]], rows: list[list[Any]]) -> str:
    """The header row, the hashtag row (both as they are) and the data rows through the
    export writer (formula-like text quoted, numbers as numbers)."""
    return spreadsheets.csv_text(
        [[header for header, _tag in columns], [tag for _header, tag in columns]], rows
    )


def _shares(
    total: Decimal | None, parts: list[Decimal], whole: Decimal, step: Decimal
) -> list[Decimal | None]:
    """``total`` split in proportion to ``parts`` (which sum to ``whole``), rounded to
    ``step``; the last share takes the remainder so that the shares add up to ``total``."""
    if total is None:
        return [None] * len(parts)
    if len(parts) == 1 or not whole:
        return [total, *[Decimal(0)] * (len(parts) - 1)]
    shares: list[Decimal | None] = [
        (total * part / whole).quantize(step, rounding=ROUND_HALF_EVEN) for part in parts[:-1]
    ]
    return [*shares, total - sum((share or Decimal(0) for share in shares), Decimal(0))]


def contributions_csv(session: Session) -> str:
    """Approved contributions as HXL-tagged CSV (header row, hashtag row, data rows).

    A contribution whose USD value is split over usage years gives one row per year; the
    original value and the quantity are split in the same proportion (the last year takes the
    rounding remainder), so every numeric column still adds up. Child allocations carry the
    parent's contribution ID and ``New money`` = ``false``: sum only ``true`` rows.
    """
    organisations = {row.id: row for row in session.execute(select(Organisation)).scalars()}
    appeals = {row.id: row for row in session.execute(select(Appeal)).scalars()}
    programmes = {row.id: row for row in session.execute(select(Programme)).scalars()}
    projects = {row.id: row for row in session.execute(select(Project)).scalars()}
    found = list(
        session.execute(
            select(Contribution)
            .where(Contribution.approval == "approved")
            .order_by(Contribution.decided_on, Contribution.reference)
        ).scalars()
    )
    references = {row.id: row.reference for row in found}
    rows: list[list[Any]] = []
    for contribution in found:
        donor = organisations[contribution.donor_id]
        appeal = appeals.get(contribution.appeal_id or 0)
        programme = programmes.get(contribution.programme_id or 0)
        project = projects.get(contribution.project_id or 0)
        years = usage_year_amounts(session, contribution)
        parts = list(years.values())
        originals = _shares(contribution.amount, parts, contribution.amount_usd, CENT)
        quantities = _shares(contribution.quantity, parts, contribution.amount_usd, GRAM)
        parent = ""
        if contribution.parent_id is not None:
            parent = references.get(contribution.parent_id) or _parent_reference(
                session, contribution.parent_id
            )
        for (year, usd), original, quantity in zip(
            years.items(), originals, quantities, strict=True
        ):
            rows.append(
                [
                    contribution.reference,
                    donor.name,
                    ORGANISATION_TYPES.get(donor.kind, "Other"),
                    appeal.code if appeal else "",
                    programme.title if programme else "",
                    contribution.country,
                    project.admin1 if project else "",
                    v.SECTORS.get(contribution.sector_code or "", contribution.sector_code),
                    contribution.status,
                    CONTRIBUTION_TYPES[contribution.modality],
                    contribution.commodity,
                    quantity,
                    contribution.unit,
                    original,
                    contribution.currency,
                    usd,
                    contribution.decided_on,
                    year,
                    parent,
                    contribution.new_money,
                ]
            )
    return _csv(CONTRIBUTION_COLUMNS, rows)


def _parent_reference(session: Session, parent_id: int) -> str:
    parent = session.get(Contribution, parent_id)
    return parent.reference if parent is not None else ""


@dataclass(frozen=True)
class Reached:
    """The newest approved cumulative counts of people and households reached."""

    people: int | None
    households: int | None


def reached_by_project(session: Session) -> dict[int, Reached]:
    """Per project: the newest approved ``reached`` total (all sexes and ages) of each unit."""
    latest: dict[tuple[int, str], tuple[date, int, int]] = {}
    for figure in session.execute(
        select(Beneficiaries).where(
            Beneficiaries.project_id.is_not(None),
            Beneficiaries.approval == "approved",
            Beneficiaries.measure == "reached",
            Beneficiaries.sex == "all",
            Beneficiaries.age_group == "all",
        )
    ).scalars():
        assert figure.project_id is not None
        key = (figure.project_id, figure.unit)
        # each figure is cumulative as of its date: the newest counts
        if key not in latest or (figure.as_of, figure.id) > latest[key][:2]:
            latest[key] = (figure.as_of, figure.id, figure.number)
    projects = {project_id for project_id, _unit in latest}
    return {
        project_id: Reached(
            people=latest[(project_id, "people")][2] if (project_id, "people") in latest else None,
            households=(
                latest[(project_id, "households")][2]
                if (project_id, "households") in latest
                else None
            ),
        )
        for project_id in projects
    }


def three_w_csv(session: Session) -> str:
    """Who does what where: one HXL-tagged row per country project.

    The implementer is the project's implementing organisation (empty when none is
    recorded); people and households reached are the newest approved cumulative counts
    (empty when none is approved).
    """
    organisations = {row.id: row for row in session.execute(select(Organisation)).scalars()}
    programmes = {row.id: row for row in session.execute(select(Programme)).scalars()}
    reached = reached_by_project(session)
    rows: list[list[Any]] = []
    for project in session.execute(select(Project).order_by(Project.code)).scalars():
        implementer = organisations.get(project.implementer_id or 0)
        programme = programmes[project.programme_id]
        counts = reached.get(project.id, Reached(None, None))
        rows.append(
            [
                implementer.name if implementer else "",
                implementer.code if implementer else "",
                programme.code,
                programme.title,
                project.code,
                project.title,
                project.sector_code,
                v.SECTORS.get(project.sector_code, ""),
                project.country,
                project.admin1,
                project.status,
                project.starts_on,
                project.ends_on,
                counts.people,
                counts.households,
            ]
        )
    return _csv(THREE_W_COLUMNS, rows)


def _source(data: str | bytes | Path) -> Any:
    options = hxl.input.InputOptions(allow_local=True)
    if isinstance(data, Path):
        return hxl.data(str(data), options)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hxl.data(io.BytesIO(raw), options)


def validation_errors(csv_text: str, schema_path: Path | None = None) -> list[str]:
    """libhxl's errors for ``csv_text`` against the schema at ``schema_path`` (an HXL schema
    as CSV or JSON, see https://github.com/HXLStandard/hxl-proposals/tree/master/drafts/schema),
    or libhxl's built-in default schema when None. Empty when valid.

    Only issues of severity ``error`` are returned: the default schema also reports
    ``warning``/``info`` hints (rare spellings, outliers) that do not make data invalid.
    Each message names the data row (1 = the first row under the hashtags), the hashtag, the
    rule and the offending value.
    """
    issues: list[Any] = []
    schema_source = _source(schema_path) if schema_path is not None else None
    try:
        hxl.schema(schema_source, callback=issues.append).validate(_source(csv_text))
    except hxl.HXLException as error:
        return [_("The file is not valid HXL: %(error)s") % {"error": error}]
    messages = []
    for issue in issues:
        if issue.rule is not None and issue.rule.severity != "error":
            continue
        rule = issue.rule.description if issue.rule is not None and issue.rule.description else ""
        message = str(issue.message) + (f" ({rule})" if rule else "")
        column = str(issue.column.display_tag) if issue.column is not None else "—"
        if issue.row is not None:
            messages.append(
                _("Row %(row)d, %(tag)s: %(message)s; value %(value)s")
                % {
                    "row": issue.row.row_number + 1,
                    "tag": column,
                    "message": message,
                    "value": repr(issue.value),
                }
            )
        else:
            messages.append(_("%(tag)s: %(message)s") % {"tag": column, "message": message})
    return messages


__all__ = [
    "CONTRIBUTION_COLUMNS",
    "THREE_W_COLUMNS",
    "contributions_csv",
    "three_w_csv",
    "validation_errors",
]
