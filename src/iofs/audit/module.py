"""Manifest of the append-only audit log."""

from iofs.modules import Command, Module

MODULE = Module(
    name="audit",
    package="iofs.audit",
    api_routers=("iofs.audit.api:router",),
    page_routers=("iofs.audit.pages:router",),
    commands=(Command("audit", "iofs.audit.cli:audit_app", "The append-only audit log."),),
    permissions=("iofs.audit.permissions",),
    models="iofs.audit.models",
)
