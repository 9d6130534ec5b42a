"""A small results framework for the strategy tests (built through the services)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.db import transaction
from iofs.strategy import framework, reporting
from iofs.strategy.schemas import KpiIn


@dataclass(frozen=True)
class Framework:
    seeds: int  # state-level manual KPI: accessions in the national gene bank
    policy: int  # state-level manual KPI
    flour: int  # overall manual KPI
    cereal: int  # state-level KPI fed from the members' published cereal production


def build_framework(factory: sessionmaker[Session]) -> Framework:
    admin = cli_principal()
    with transaction(factory) as session:
        pillar = framework.put_pillar(session, admin, 3, "Capacity Building")
        programme = framework.put_programme(session, admin, pillar.id, "NGB", "Gene banks")
        outcome = framework.put_outcome(session, admin, programme.id, "NGB.O1", "Conserved")
        ids = {}
        for code, name, unit, level, source, feed in [
            ("NGB.1", "Accessions", "accessions", "state", "manual", None),
            ("FSG.1", "Policy framework", "1 = yes", "state", "manual", None),
            ("F4H.1", "Flour delivered", "t", "overall", "manual", None),
            ("FBD.1", "Cereal production", "t", "state", "feed", "members.cereal_production"),
        ]:
            ids[code] = framework.put_kpi(
                session,
                admin,
                KpiIn(
                    outcome_id=outcome.id,
                    code=code,
                    name=name,
                    unit=unit,
                    level=level,
                    additive=True,
                    data_source=source,
                    feed=feed,
                ),
            ).id
        # KAZ: 10 000 accessions in 2021, 20 000 targeted for 2031 -> 15 000 expected in 2026.
        framework.set_plan(session, admin, ids["NGB.1"], "KAZ", "baseline", 2021, "10000")
        framework.set_plan(session, admin, ids["NGB.1"], "KAZ", "target", 2031, "20000")
        framework.set_plan(session, admin, ids["FBD.1"], "KAZ", "baseline", 2021, "16000000")
        framework.set_plan(session, admin, ids["FBD.1"], "KAZ", "target", 2031, "22000000")
        reporting.put_period(session, admin, 2026, "open")
    return Framework(ids["NGB.1"], ids["FSG.1"], ids["F4H.1"], ids["FBD.1"])


@pytest.fixture
def results_framework(loaded_registry: sessionmaker[Session]) -> Framework:
    return build_framework(loaded_registry)
