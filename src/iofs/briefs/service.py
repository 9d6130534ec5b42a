"""Public front of the briefs module: a state's country brief, the OIC monthly bulletin and
aid against need, as plain data for pages, the API, the CLI and PDFs.

The briefs read every other module only through its service (see :mod:`iofs.briefs.blocks`);
they own no table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from iofs.briefs import block_memo, blocks
from iofs.briefs.model import Block
from iofs.config import Settings
from iofs.errors import InputError
from iofs.i18n import gettext as _
from iofs.members import service as members
from iofs.permissions import Principal

#: Block keys in the order of the brief.
BLOCK_KEYS = (
    "identity",
    "risk",
    "prices",
    "drought",
    "food_supply",
    "ipc",
    "aid",
    "reserves",
    "genebank",
    "strategy",
)


@dataclass
class CountryBrief:
    """Everything about one state: ``iso3``, ``name`` (current language), ``names``
    (ar, en, fr), the ``month`` asked for (YYYY-MM or None: each source's latest) and the
    blocks in :data:`BLOCK_KEYS` order."""

    iso3: str
    name: str
    names: dict[str, str]
    month: str | None
    blocks: list[Block]

    def record(self, with_charts: bool = False) -> dict[str, Any]:
        """JSON-ready data of the brief."""
        return {
            "iso3": self.iso3,
            "name": self.name,
            "names": self.names,
            "month": self.month,
            "blocks": [block.record(with_charts) for block in self.blocks],
        }


def check_month(month: str | None) -> str | None:
    """``month`` if it is YYYY-MM (or None); else an InputError on field ``month``."""
    if month is None or month == "":
        return None
    text = month.strip()
    try:
        if len(text) != 7:
            raise ValueError(text)
        date.fromisoformat(text + "-01")
    except ValueError:
        raise InputError(_("A month looks like 2025-03."), "month") from None
    return text


def country_brief(
    session: Session, settings: Settings, principal: Principal, iso3: str, month: str | None = None
) -> CountryBrief:
    """The brief of one of the 57 OIC states (raises the members module's
    ``UnknownMemberState``, a not-found error, for any other code; never for absent data).
    A visitor's blocks are kept while their records are unchanged (:mod:`.block_memo`)."""
    state = members.get_member(session, iso3)
    code = state.iso3
    chosen = check_month(month)
    compute: dict[str, Callable[[], Block]] = {
        "identity": lambda: blocks.identity(session, code),
        "risk": lambda: blocks.risk(settings, code, chosen),
        "prices": lambda: blocks.prices(settings, code, chosen),
        "drought": lambda: blocks.drought(settings, code, chosen),
        "food_supply": lambda: blocks.food_supply(settings, code),
        "ipc": lambda: blocks.ipc(settings, code, chosen),
        "aid": lambda: blocks.aid(session, principal, code),
        "reserves": lambda: blocks.reserves(session, code),
        "genebank": lambda: blocks.genebank(session, principal, code),
        "strategy": lambda: blocks.strategy(session, principal, code),
    }
    found = block_memo.brief_blocks(session, settings, principal, (code, chosen), compute)
    from iofs.i18n import current_language

    names = {"ar": state.name_ar, "en": state.name_en, "fr": state.name_fr}
    return CountryBrief(code, members.display_name(state, current_language()), names, chosen, found)
