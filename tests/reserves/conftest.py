"""Reserve data for the reserves tests: the programmes demo (appeals to deliver to) and a
small reserve of two warehouses in Kazakhstan and Türkiye, loaded through the services."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.db import transaction
from iofs.programmes import demo as programmes_demo
from iofs.reserves import ledger, registry


@pytest.fixture
def reserve(loaded_registry: sessionmaker[Session]) -> sessionmaker[Session]:
    """System TEST (KAZ, TUR, AFG), warehouses KAZ-1 and TUR-1, lot KAZ-L1 with 100 t wheat
    received 2025-01-01, lot TUR-L1 empty; the programmes demo (appeal F4H-GAZA)."""
    operator = cli_principal()
    with transaction(loaded_registry) as session:
        programmes_demo.load(session, operator)
        registry.put_system(
            session,
            operator,
            {
                "code": "TEST",
                "name": "Test reserve",
                "kind": "regional",
                "members": ["KAZ", "TUR", "AFG"],
            },
        )
        for code, country in (("KAZ-1", "KAZ"), ("TUR-1", "TUR")):
            registry.put_warehouse(
                session,
                operator,
                {
                    "code": code,
                    "name": f"Store {code}",
                    "country": country,
                    "capacity_t": 5000,
                    "system": "TEST",
                },
            )
        for code, store in (("KAZ-L1", "KAZ-1"), ("TUR-L1", "TUR-1")):
            ledger.put_lot(
                session,
                operator,
                {
                    "code": code,
                    "warehouse": store,
                    "commodity": "wheat",
                    "received_on": date(2025, 1, 1),
                },
            )
        session.flush()
        ledger.record_movement(
            session,
            operator,
            "KAZ-L1",
            {"kind": "receipt", "dated": date(2025, 1, 1), "quantity_t": "100"},
        )
    return loaded_registry
