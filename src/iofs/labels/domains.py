"""The vocabularies (domains) whose labels are translated, with the names a person reads.

A domain name is short and stable: it is stored in ``data_labels.domain`` and written in the
CSV files. ``mcpd.<DESCRIPTOR>`` domains hold the MCPD V.2.1 code lists (Alercia, Diulgheroff &
Mackay 2015, FAO/Bioversity), keyed by the code.
"""

from __future__ import annotations

from iofs.i18n import N_
from iofs.i18n import gettext as _

#: Domain name -> display name (msgid).
DOMAINS: dict[str, str] = {
    "commodity": N_("Commodities (market prices)"),
    "faostat.item": N_("FAOSTAT items"),
    "faostat.element": N_("FAOSTAT elements"),
    "indicator": N_("Strategy indicators"),
    "kpi": N_("Key performance indicators"),
    "pillar": N_("Strategy pillars"),
    "programme": N_("Programme titles"),
    "reserve": N_("Reserve systems"),
    "source": N_("Data sources"),
    "mcpd.SAMPSTAT": N_("MCPD biological status (SAMPSTAT)"),
    "mcpd.COLLSRC": N_("MCPD collecting source (COLLSRC)"),
    "mcpd.STORAGE": N_("MCPD type of storage (STORAGE)"),
    "mcpd.MLSSTAT": N_("MCPD Multilateral System status (MLSSTAT)"),
}
#: Languages labels are kept in; English is the fallback of the other two.
LANGUAGES: tuple[str, ...] = ("en", "ar", "fr")
FALLBACK = "en"
#: Languages a translation can be missing in.
TRANSLATED: tuple[str, ...] = tuple(language for language in LANGUAGES if language != FALLBACK)


def domain_name(domain: str) -> str:
    """The translated display name of ``domain`` (the domain itself when unknown)."""
    return _(DOMAINS[domain]) if domain in DOMAINS else domain
