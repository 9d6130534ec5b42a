"""The newest audit entry of a table per state (``audit_state_head``): moved with the entries,
for the tables whose rows concern one state (a contribution's ``country``), on every path of
the chain's append (one web request's few entries, a large import's COPY, SQLite)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.audit import service as audit
from iofs.audit.chain import PIPELINED_UP_TO, states_of
from iofs.data_dependencies import ANY_STATE, data_dependencies
from iofs.db import transaction

KIND = "programmes_contribution"
STEP = "programmes_contribution_status"


def _snapshot(country: str | None) -> dict[str, object]:
    return {"id": 1, "country": country, "amount_usd": "10.00"}


def test_an_entry_concerns_the_states_its_snapshots_name() -> None:
    def text(country: str | None) -> str:
        return json.dumps(_snapshot(country))

    assert states_of(None, text("pse"), "country") == {"PSE"}
    assert states_of(text("AFG"), text("MLI"), "country") == {"AFG", "MLI"}  # moved
    assert states_of(text(None), text(None), "country") == set()  # for no state
    assert states_of(text("AFG"), None, "country") == {"AFG"}  # deleted
    assert states_of(None, json.dumps({"id": 1}), "country") == {ANY_STATE}  # cannot say
    assert states_of(None, "not json", "country") == {ANY_STATE}


def test_the_contributions_table_is_declared_by_its_country() -> None:
    declared = data_dependencies().state_fields
    assert declared[KIND].field == "country" and declared[KIND].via is None
    assert declared[STEP].via == KIND


def test_a_status_step_concerns_its_contributions_state_or_every_state(
    loaded_registry: sessionmaker[Session],
) -> None:
    principal = cli_principal()
    with transaction(loaded_registry) as session:  # a contribution and its first step
        audit.record(session, principal, "create", KIND, "41", None, _snapshot("SEN"))
        audit.record(session, principal, "create", STEP, "7", None, {"contribution_id": 41})
        audit.record(session, principal, "create", KIND, "42", None, _snapshot(None))
        audit.record(session, principal, "create", STEP, "8", None, {"contribution_id": 42})
    with loaded_registry() as session:
        first = audit.newest_entries(session)
    top = first.by_type[STEP]
    assert first.by_state == {(KIND, "SEN"): top - 3, (STEP, "SEN"): top - 2}
    with transaction(loaded_registry) as session:  # a later step alone: its state unknown here
        audit.record(session, principal, "create", STEP, "9", None, {"contribution_id": 41})
    with loaded_registry() as session:
        second = audit.newest_entries(session)
    assert second.by_state[(STEP, ANY_STATE)] == second.by_type[STEP] == top + 1


@pytest.mark.parametrize("many", [False, True], ids=["web request", "large import"])
def test_appended_entries_move_each_states_head_and_only_theirs(
    loaded_registry: sessionmaker[Session], many: bool
) -> None:
    principal = cli_principal()
    filler = PIPELINED_UP_TO + 1 if many else 0
    with transaction(loaded_registry) as session:
        for number in range(filler):  # past the pipelined append: the general path
            audit.record(session, principal, "create", KIND, f"f{number}", None, _snapshot("SEN"))
        audit.record(session, principal, "create", KIND, "1", None, _snapshot("PSE"))
        audit.record(session, principal, "create", KIND, "2", None, _snapshot("AFG"))
        audit.record(session, principal, "create", KIND, "3", None, _snapshot(None))
    with loaded_registry() as session:
        first = audit.newest_entries(session)
    top = first.by_type[KIND]
    assert first.by_state[(KIND, "AFG")] == top - 1
    assert first.by_state[(KIND, "PSE")] == top - 2
    assert (KIND, "MLI") not in first.by_state and (KIND, ANY_STATE) not in first.by_state
    if many:
        assert first.by_state[(KIND, "SEN")] == top - 3

    with transaction(loaded_registry) as session:  # AFG's contribution moves to Mali
        audit.record(session, principal, "update", KIND, "2", _snapshot("AFG"), _snapshot("MLI"))
        audit.record(session, principal, "create", "strategy_partner", "9", None, {"id": 9})
    with loaded_registry() as session:
        second = audit.newest_entries(session)
    moved = second.by_type[KIND]
    assert second.by_state[(KIND, "AFG")] == second.by_state[(KIND, "MLI")] == moved
    assert second.by_state[(KIND, "PSE")] == top - 2  # untouched
    assert ("strategy_partner", "*") not in second.by_state  # a table without a state field
    assert second.by_type["strategy_partner"] == moved + 1
