"""A member state's Strategic Vision 2031 report for a period: HTML, PDF or Excel.

The PDF is WeasyPrint's rendering of the HTML (Arabic right-to-left with Noto fonts); charts
are the same server-side SVG as the pages.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.orm import Session

from iofs import i18n
from iofs.http.charts import vega_lite_svg
from iofs.http.templating import environment
from iofs.members import service as members
from iofs.permissions import Principal
from iofs.strategy import framework, progress, reporting, workbook

Format = Literal["html", "pdf", "xlsx"]


def render_html(
    session: Session, principal: Principal, iso3: str, year: int, language: str = "en"
) -> str:
    """The report as a standalone HTML document in ``language``."""
    previous = i18n.current_language()
    i18n.set_language(language)
    try:
        state = members.get_member(session, iso3)
        rows = progress.state_scorecard(session, state.iso3, year)
        charts = []
        for row in rows:
            plan = framework.plan_for(session, row.kpi.id, state.iso3)
            observed = progress.series(session, row.kpi, state.iso3)
            if observed or plan.targets:
                labels = {
                    "plan": i18n.gettext("planned path"),
                    "observed": i18n.gettext("observed"),
                    "year": i18n.gettext("Year"),
                }
                charts.append(
                    (row.kpi, vega_lite_svg(progress.trend_spec(row.kpi, plan, observed, labels)))
                )
        labels = {s: i18n.gettext(label) for s, label in progress.STATUS_LABELS.items()}
        return (
            environment()
            .get_template("strategy/report_document.html")
            .render(
                {
                    "lang": language,
                    "dir": i18n.text_direction(language),
                    "state": state,
                    "name": members.display_name(state, language),
                    "year": year,
                    "rows": rows,
                    "labels": labels,
                    "rule": progress.RULE,
                    "charts": charts,
                    "gaps": progress.missing(session, year, state.iso3),
                    "values": {
                        v.kpi_id: v
                        for v in reporting.list_values(
                            session, principal, iso3=state.iso3, year=year
                        )
                    },
                }
            )
        )
    finally:
        i18n.set_language(previous)


def build(
    session: Session, principal: Principal, iso3: str, year: int, fmt: Format, language: str = "en"
) -> bytes:
    """The report as bytes in ``fmt`` (html, pdf or xlsx)."""
    if fmt == "xlsx":
        return workbook.export_report(session, principal, iso3, year, with_scorecard=True)
    html = render_html(session, principal, iso3, year, language)
    if fmt == "html":
        return html.encode("utf-8")
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
