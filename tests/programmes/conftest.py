"""Programme data for the programmes tests: the sourced demo set, loaded through the services."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.db import transaction
from iofs.programmes import demo


@pytest.fixture
def programme_data(loaded_registry: sessionmaker[Session]) -> sessionmaker[Session]:
    """The demo programmes, Gaza appeal (1,000 t, 200 t delivered), contributions and AFSP
    results, every figure approved; returns the session factory."""
    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
    return loaded_registry
