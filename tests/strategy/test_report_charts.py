"""The Strategic Vision report's PDF draws its charts with Arabic shaped and in reading order:
PNG rendered by vl-convert (WeasyPrint drew the SVG's Arabic reversed and unjoined), compared
with Chromium's rendering of the same labels as the country briefs' shaping test does."""

from __future__ import annotations

import base64
import io
import re

from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.db import transaction
from iofs.permissions import Principal
from iofs.roles import Role
from iofs.strategy import report, reporting
from tests.strategy.conftest import Framework

CHECKER = Principal(user_id=9601, roles={Role.SECRETARIAT: frozenset()}, label="checker")
PNG_URI = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def _arabic_report(factory: sessionmaker[Session], framework: Framework, for_print: bool) -> str:
    admin = cli_principal()
    with transaction(factory) as session:
        row = reporting.report_value(
            session,
            admin,
            reporting.ValueInput(framework.seeds, "KAZ", 2026, "16000", "https://example.org/e"),
        )
        reporting.review_value(session, CHECKER, row.id, "approve")
    with factory() as session:
        return report.render_html(session, admin, "KAZ", 2026, "ar", for_print=for_print)


def test_the_arabic_pdf_embeds_charts_as_png_and_the_html_as_svg(
    loaded_registry: sessionmaker[Session], results_framework: Framework
) -> None:
    printed = _arabic_report(loaded_registry, results_framework, for_print=True)
    assert "<svg" not in printed  # WeasyPrint would draw SVG Arabic reversed and unjoined
    images = PNG_URI.findall(printed)
    assert images, "the report has a chart"
    from PIL import Image

    for data in images:
        chart = Image.open(io.BytesIO(base64.b64decode(data)))
        assert chart.format == "PNG" and chart.width > 500  # 2× the 520 px spec, for print
    with loaded_registry() as session:
        page = report.render_html(session, cli_principal(), "KAZ", 2026, "ar")
    assert "<svg" in page and "data:image/png" not in page
    assert "\u2067" in page  # Arabic labels isolated right to left in the SVG too
