"""GLIS DOIs against a fake GLIS server on 127.0.0.1: registration, progenitors, updates."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.db import transaction
from iofs.genebank import service
from iofs.genebank.glis_settings import GLIS_TEST_URL, GlisSettings
from iofs.genebank.models import Accession
from tests.genebank.fake_glis import PASSWORD, USERNAME, fake_glis
from tests.genebank.test_genebank_store import RECORDS, write_passport


def _load(factory: sessionmaker[Session], tmp_path) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from iofs.genebank import mcpd

    path = write_passport(tmp_path / "p.csv", RECORDS)
    with transaction(factory) as session:
        service.import_passport(session, cli_principal(), mcpd.validate_file(path))
        return {a.accenumb: a.id for a in session.execute(select(Accession)).scalars()}


def test_settings_default_to_the_treaty_test_server(monkeypatch: pytest.MonkeyPatch) -> None:
    assert GlisSettings().url == GLIS_TEST_URL
    monkeypatch.setenv("IOFS_GLIS_PID", "00AB12")
    assert GlisSettings().pid == "00AB12"


def test_registers_stores_dois_sends_progenitors_and_updates_on_change(
    session_factory: sessionmaker[Session], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    ids = _load(session_factory, tmp_path)
    with fake_glis() as server:
        settings = GlisSettings(url=server.url, username=USERNAME, password=PASSWORD, pid="00AB12")
        client = service.GlisClient(settings)
        with transaction(session_factory) as session:
            # KZ-0003 descends from KZ-0001 (sent first) and from a DOI held elsewhere.
            service.add_progenitor(
                session, cli_principal(), ids["KZ-0003"], progenitor_id=ids["KZ-0001"]
            )
            service.add_progenitor(
                session, cli_principal(), ids["KZ-0003"], doi="10.18730/ELSEWHERE"
            )
            with pytest.raises(service.GenebankError):
                service.add_progenitor(
                    session, cli_principal(), ids["KZ-0001"], progenitor_id=ids["KZ-0003"]
                )
            pending = service.glis_pending(session, cli_principal(), settings.pid)
            assert [p.accession.accenumb for p in pending][-1] == "KZ-0003"
            run = service.register_with_glis(session, cli_principal(), client)
        assert sorted(run.registered) == ["KZ-0001", "KZ-0002", "KZ-0003"], run.failed
        sent = {r.findtext("sampleid"): r for r in server.received}
        wheat = sent["KZ-0001"]
        assert wheat.tag == "register" and wheat.get("username") == USERNAME
        assert wheat.findtext("location/pid") == "00AB12"
        assert wheat.findtext("location/wiews") == "KAZ015"
        assert wheat.findtext("location/country") == settings.country
        assert wheat.findtext("sampledoi") is None  # a registration has no DOI yet
        assert wheat.findtext("genus") == "Triticum" and wheat.findtext("biostatus") == "300"
        assert wheat.findtext("collection/lat") == "51.2800"
        assert wheat.findtext("collection/date") == "2018-08-15"
        assert wheat.findtext("date") == "2019"
        progenitors = {e.text for e in sent["KZ-0003"].findall("progdoi/doi")}
        assert progenitors == {server.minted["KZ-0001"], "10.18730/ELSEWHERE"}
        with session_factory() as session:
            assert service.doi_of(session, ids["KZ-0002"]) == server.minted["KZ-0002"]
            assert service.glis_pending(session, cli_principal(), settings.pid) == []
        # A passport edit makes the accession pending again; it is sent as an update.
        with transaction(session_factory) as session:
            service.edit_passport(
                session, cli_principal(), ids["KZ-0002"], {"ACCENAME": "Fergana local"}
            )
            pending = service.glis_pending(session, cli_principal(), settings.pid)
            assert [(p.accession.accenumb, p.action) for p in pending] == [("KZ-0002", "update")]
            run = service.register_with_glis(session, cli_principal(), client)
        assert run.updated == ["KZ-0002"] and not run.registered
        update = server.received[-1]
        assert update.tag == "update"
        assert update.findtext("sampledoi") == server.minted["KZ-0002"]
        assert update.findtext("names/name") == "Fergana local"


def test_refusals_are_reported_and_nothing_stored(
    session_factory: sessionmaker[Session], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    ids = _load(session_factory, tmp_path)
    with fake_glis() as server:
        server.refuse.add("KZ-0002")
        wrong = service.GlisClient(
            GlisSettings(url=server.url, username=USERNAME, password="wrong", pid="00AB12")
        )
        with transaction(session_factory) as session:
            run = service.register_with_glis(session, cli_principal(), wrong)
        assert not run.registered and {e for _a, e in run.failed} == {"Authentication failed"}
        client = service.GlisClient(
            GlisSettings(url=server.url, username=USERNAME, password=PASSWORD, pid="00AB12")
        )
        with transaction(session_factory) as session:
            run = service.register_with_glis(session, cli_principal(), client)
        assert run.failed == [("KZ-0002", "Refused")]
        with session_factory() as session:
            assert service.doi_of(session, ids["KZ-0002"]) == ""
    unreachable = service.GlisClient(
        GlisSettings(url=server.url, username=USERNAME, password=PASSWORD, pid="00AB12", timeout=2)
    )
    with transaction(session_factory) as session:
        run = service.register_with_glis(session, cli_principal(), unreachable)
    assert run.failed and "could not be reached" in run.failed[0][1]
