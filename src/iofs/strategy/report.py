"""A member state's Strategic Vision 2031 report for a period: HTML, PDF or Excel.

The PDF is WeasyPrint's rendering of the HTML (Arabic right-to-left with Noto fonts). Charts
are server-side SVG in the HTML report; in the PDF they are PNG rendered by vl-convert, because
WeasyPrint draws SVG text without Arabic shaping (letters reversed and unjoined). Both use the
chart font of the language and isolate Arabic labels right to left (:mod:`iofs.http.charts`,
shared with the country briefs).
"""

from __future__ import annotations

from typing import Any, Literal

from markupsafe import Markup
from sqlalchemy.orm import Session

from iofs import i18n
from iofs.http.charts import vega_lite_png_uri, vega_lite_svg, with_font
from iofs.http.templating import environment
from iofs.members import service as members
from iofs.permissions import Principal
from iofs.strategy import framework, progress, reporting, workbook

Format = Literal["html", "pdf", "xlsx"]


def chart_markup(spec: dict[str, Any], language: str, for_print: bool) -> Markup:
    """A chart for the report: inline SVG for HTML, or for print (WeasyPrint) an ``<img>`` of
    the PNG that vl-convert renders with Arabic shaped and in reading order."""
    if not for_print:
        return vega_lite_svg(with_font(spec, language))
    return Markup('<img src="{}" alt="" style="max-width: 100%; height: auto">').format(
        vega_lite_png_uri(spec, language)
    )


def render_html(
    session: Session,
    principal: Principal,
    iso3: str,
    year: int,
    language: str = "en",
    for_print: bool = False,
) -> str:
    """The report as a standalone HTML document in ``language`` (``for_print``: charts as
    PNG images, for the PDF)."""
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
                spec = progress.trend_spec(row.kpi, plan, observed, labels)
                charts.append((row.kpi, chart_markup(spec, language, for_print)))
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
    if fmt == "html":
        return render_html(session, principal, iso3, year, language).encode("utf-8")
    html = render_html(session, principal, iso3, year, language, for_print=True)
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
