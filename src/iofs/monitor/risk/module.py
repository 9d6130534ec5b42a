"""Manifest of the food-security risk module (composite indices, INFORM, watchlist)."""

from iofs.modules import Command, Module

MODULE = Module(
    name="risk",
    package="iofs.monitor.risk",
    commands=(Command("risk", "iofs.monitor.risk.cli:risk_app",
                      "Risk indices: INFORM and composite indices declared as trees."),),
)
