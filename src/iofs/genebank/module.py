"""Manifest of the gene bank."""

from iofs.i18n import N_
from iofs.modules import Command, Module, NavigationEntry

MODULE = Module(
    name="genebank",
    package="iofs.genebank",
    api_routers=("iofs.genebank.api:router",),
    # BrAPI answers at /brapi/v2 (its own prefix, not under /api/v1).
    page_routers=("iofs.genebank.pages:router", "iofs.genebank.brapi:router"),
    commands=(
        Command(
            "genebank",
            "iofs.genebank.cli:genebank_app",
            "Gene bank: MCPD passport data, seed lots, viability, SMTA.",
        ),
    ),
    navigation=(NavigationEntry("/genebank", N_("Gene bank")),),
    permissions=("iofs.genebank.permissions",),
    demo="iofs.genebank.demo:load",
    models="iofs.genebank.models",
    migrations_branch="genebank",
    jobs=("iofs.genebank.jobs:PASSPORT_IMPORT",),
    reads=("members", "drought", "jobs", "accounts", "audit"),
)
