"""Identity and membership block: names in three languages, OIC group, IOFS status, GA sessions
hosted, EB seats (members service).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from iofs.briefs.model import Block, Fact
from iofs.i18n import N_
from iofs.i18n import gettext as _
from iofs.members import service as members


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
