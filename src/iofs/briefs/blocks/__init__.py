"""The blocks of a country brief, one small module each.

Each block function reads one module through its public service, turns what it finds into a
:class:`~iofs.briefs.model.Block`, and turns absence of data into a :class:`Missing` entry
naming the command or page that adds it. A block never raises because data is absent.
Values carry their unit and the year or month they refer to.
"""

from iofs.briefs.blocks.aid_block import aid
from iofs.briefs.blocks.common import DROUGHT_MONTHS, RISK_MONTHS, SPI_SCALE, oic_codes, state_name
from iofs.briefs.blocks.drought_block import drought
from iofs.briefs.blocks.food_supply_block import food_supply
from iofs.briefs.blocks.genebank_block import genebank
from iofs.briefs.blocks.identity_block import identity
from iofs.briefs.blocks.ipc_block import ipc, ipc_latest, ipc_projections
from iofs.briefs.blocks.prices_block import prices
from iofs.briefs.blocks.reserves_block import reserves
from iofs.briefs.blocks.risk_block import risk
from iofs.briefs.blocks.strategy_block import strategy

__all__ = [
    "DROUGHT_MONTHS",
    "RISK_MONTHS",
    "SPI_SCALE",
    "aid",
    "drought",
    "food_supply",
    "genebank",
    "identity",
    "ipc",
    "ipc_latest",
    "ipc_projections",
    "oic_codes",
    "prices",
    "reserves",
    "risk",
    "state_name",
    "strategy",
]
