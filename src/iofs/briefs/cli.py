"""``iofs brief ISO3 --lang ar --out F`` and ``iofs bulletin --month YYYY-MM --lang --out F``:
the same documents as the pages' downloads, PDF by default (HTML when F ends in .html)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from iofs.cli_support import console, fail, session_factory, settings
from iofs.errors import InputError


class Language(StrEnum):
    ar = "ar"
    en = "en"
    fr = "fr"


Out = Annotated[Path, typer.Option("--out", help="File to write: .pdf (default) or .html.")]
Lang = Annotated[Language, typer.Option("--lang", help="ar, en or fr.")]
Month = Annotated[str | None, typer.Option("--month", help="YYYY-MM (default: latest data).")]


def _write(out: Path, html: str, describe: str) -> None:
    from iofs.briefs import pdf

    body = html.encode("utf-8") if out.suffix.lower() in {".html", ".htm"} else pdf.to_pdf(html)
    out.write_bytes(body)
    console.print(f"{describe}: {out} ({len(body):,} bytes)")


def brief_command(
    iso3: Annotated[str, typer.Argument(help="ISO3 code of an OIC state.")],
    out: Out,
    lang: Lang = Language.en,
    month: Month = None,
) -> None:
    """A state's country brief as PDF (2–4 A4 pages, right to left in Arabic) or HTML."""
    from iofs.briefs import pdf
    from iofs.permissions import ANONYMOUS

    with session_factory()() as session:
        try:
            html = pdf.brief_html(session, settings(), ANONYMOUS, iso3, month, lang.value)
        except InputError as error:
            raise fail(str(error), 2) from None
    _write(out, html, f"Country brief {iso3.upper()} ({lang.value})")


def bulletin_command(out: Out, lang: Lang = Language.en, month: Month = None) -> None:
    """The OIC monthly bulletin as PDF or HTML."""
    from iofs.briefs import bulletin, pdf
    from iofs.permissions import ANONYMOUS

    config = settings()
    chosen = month or bulletin.default_month(config)
    with session_factory()() as session:
        try:
            html = pdf.bulletin_html(session, config, ANONYMOUS, chosen, lang.value)
        except InputError as error:
            raise fail(str(error), 2) from None
    _write(out, html, f"Bulletin {chosen} ({lang.value})")
