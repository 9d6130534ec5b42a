"""The data vocabulary's service: lookup with the English fallback, the cache and its stamp,
seeding (idempotent, edits kept), permissions, CSV import and export, missing counts."""

from __future__ import annotations

import csv
import io
import time

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from iofs.audit.models import AuditEntry
from iofs.db import transaction
from iofs.labels import cache, service, transfer
from iofs.labels.models import SEED_AUTHOR, DataLabel
from iofs.labels.seed import seed_labels
from iofs.permissions import PermissionDenied, Principal
from iofs.roles import Role

SECRETARIAT = Principal(
    user_id=None, roles={Role.SECRETARIAT: frozenset()}, label="tests:secretariat"
)
FOCAL_POINT = Principal(
    user_id=7, email="fp@example.org", roles={Role.FOCAL_POINT: frozenset({"KAZ"})}
)


def _empty(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        session.execute(delete(DataLabel))
        cache.touch(session)


def _english(factory: sessionmaker[Session], domain: str, code: str, text: str) -> None:
    with transaction(factory) as session:
        service.put_label(session, SECRETARIAT, domain, code, "en", text)


def test_lookup_falls_back_to_english_then_default(session_factory: sessionmaker[Session]) -> None:
    _empty(session_factory)
    _english(session_factory, "commodity", "Wheat flour", "Wheat flour")
    _english(session_factory, "mcpd.COLLSRC", "40", "Genebank")
    with transaction(session_factory) as session:
        service.put_label(session, SECRETARIAT, "commodity", "Wheat flour", "fr", "Farine de blé")
    with session_factory() as session:
        assert service.label("commodity", "Wheat flour", "fr", session=session) == "Farine de blé"
        # no Arabic: the English text
        assert service.label("commodity", "Wheat flour", "ar", session=session) == "Wheat flour"
        assert service.label("mcpd.COLLSRC", "40", "ar", session=session) == "Genebank"
        # unknown code: the default, else the code itself
        assert service.label("mcpd.COLLSRC", "26", "fr", "Farm store", session=session) == (
            "Farm store"
        )
        assert service.label("commodity", "Teff", "fr", session=session) == "Teff"
        assert service.label("commodity", None, "fr", session=session) == ""


def test_one_query_per_domain_and_language_and_edit_seen_next_request(
    session_factory: sessionmaker[Session],
) -> None:
    _empty(session_factory)
    _english(session_factory, "commodity", "Rice", "Rice")
    _english(session_factory, "commodity", "Sugar", "Sugar")
    with transaction(session_factory) as session:
        service.put_label(session, SECRETARIAT, "commodity", "Rice", "fr", "Riz")
    first = cache.Lookup.of_factory(session_factory)
    assert [first("commodity", c, "fr") for c in ("Rice", "Sugar", "Rice", "Salt")] == [
        "Riz",
        "Sugar",
        "Riz",
        "Salt",
    ]
    assert first.queries == 1
    again = cache.Lookup.of_factory(session_factory)  # same stamp: served from memory
    assert again("commodity", "Rice", "fr") == "Riz"
    assert again.queries == 0
    with transaction(session_factory) as session:
        service.put_label(session, SECRETARIAT, "commodity", "Rice", "fr", "Riz blanc")
    # the request already running keeps what it read; the next one reads the edit
    assert first("commodity", "Rice", "fr") == "Riz"
    after = cache.Lookup.of_factory(session_factory)
    assert after("commodity", "Rice", "fr") == "Riz blanc"
    assert after.queries == 1


def test_seed_is_idempotent_and_keeps_edits(session_factory: sessionmaker[Session]) -> None:
    _empty(session_factory)
    shipped = len(seed_labels())
    with transaction(session_factory) as session:
        first = service.seed(session)
    assert (first.created, first.updated, first.kept) == (shipped, 0, 0)
    with transaction(session_factory) as session:
        again = service.seed(session)
    assert (again.created, again.updated, again.kept) == (0, 0, 0)
    with transaction(session_factory) as session:
        service.put_label(session, SECRETARIAT, "commodity", "Wheat flour", "fr", "Farine")
        # a seeded label someone changed directly stays as seeded text when re-seeded
        row = session.execute(
            select(DataLabel).filter_by(domain="commodity", code="Rice", language="fr")
        ).scalar_one()
        row.text = "Riz (ancien)"
    with transaction(session_factory) as session:
        third = service.seed(session)
    assert (third.created, third.updated, third.kept) == (0, 1, 1)
    with session_factory() as session:
        assert service.label("commodity", "Wheat flour", "fr", session=session) == "Farine"
        assert service.label("commodity", "Rice", "fr", session=session) == "Riz"
        edited = session.execute(
            select(DataLabel).filter_by(domain="commodity", code="Wheat flour", language="fr")
        ).scalar_one()
        assert edited.updated_by == "tests:secretariat" and edited.updated_by != SEED_AUTHOR
        assert service.label("mcpd.COLLSRC", "40", "fr", session=session).startswith("Institut")
        assert service.label("faostat.element", "Production", "ar", session=session) == "الإنتاج"


def test_a_focal_point_cannot_edit_and_edits_are_audited(
    session_factory: sessionmaker[Session],
) -> None:
    _empty(session_factory)
    _english(session_factory, "kpi", "FSR.1", "Strategic grain reserve")
    with transaction(session_factory) as session, pytest.raises(PermissionDenied):
        service.put_label(session, FOCAL_POINT, "kpi", "FSR.1", "fr", "Réserve")
    with transaction(session_factory) as session:
        before = session.scalar(select(func.count()).select_from(AuditEntry))
        service.put_label(session, SECRETARIAT, "kpi", "FSR.1", "fr", "Réserve stratégique")
    with session_factory() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.record_type == "data_labels")
        ).all()
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == before + 1
        assert entries[-1].actor == "tests:secretariat"
        assert "Réserve stratégique" in (entries[-1].after or "")


def test_translation_needs_the_english_label(session_factory: sessionmaker[Session]) -> None:
    _empty(session_factory)
    with transaction(session_factory) as session, pytest.raises(service.InputError) as error:
        service.put_label(session, SECRETARIAT, "commodity", "Teff", "fr", "Teff")
    assert error.value.field == "code"
    with transaction(session_factory) as session, pytest.raises(service.InputError) as error:
        service.put_label(session, SECRETARIAT, "crops", "Teff", "en", "Teff")
    assert error.value.field == "domain"


def test_missing_counts(session_factory: sessionmaker[Session]) -> None:
    _empty(session_factory)
    for code in ("Rice", "Sugar", "Salt"):
        _english(session_factory, "commodity", code, code)
    _english(session_factory, "mcpd.MLSSTAT", "1", "Yes (included)")
    with transaction(session_factory) as session:
        service.put_label(session, SECRETARIAT, "commodity", "Rice", "fr", "Riz")
        service.put_label(session, SECRETARIAT, "commodity", "Rice", "ar", "أرز")
        service.put_label(session, SECRETARIAT, "commodity", "Salt", "fr", "Sel")
    with session_factory() as session:
        counts = {
            (c.domain, c.language): (c.total, c.missing) for c in service.missing_counts(session)
        }
        missing_fr = service.labels_page(
            session, "fr", None, 100, "secret", domain="commodity", missing_only=True
        ).items
    assert counts == {
        ("commodity", "ar"): (3, 2),
        ("commodity", "fr"): (3, 1),
        ("mcpd.MLSSTAT", "ar"): (1, 1),
        ("mcpd.MLSSTAT", "fr"): (1, 1),
    }
    assert [r.code for r in missing_fr] == ["Sugar"]


def test_import_is_all_or_nothing_and_names_line_and_field(
    session_factory: sessionmaker[Session],
) -> None:
    _empty(session_factory)
    good = (
        "domain,code,language,text,source\n"
        "commodity,Teff,en,Teff,WFP\n"
        "commodity,Teff,fr,Teff (éthiopien),FAO Term Portal\n"
        "commodity,Teff,ar,تيف,\n"
    )
    bad_language = good + "commodity,Teff,de,Zwerghirse,\n"
    with transaction(session_factory) as session, pytest.raises(transfer.ImportRefused) as error:
        transfer.import_csv(session, SECRETARIAT, bad_language)
    assert (error.value.line, error.value.field) == (5, "language")
    assert "Line 5, field language" in str(error.value)
    orphan = "domain,code,language,text\ncommodity,Millet,fr,Mil\n"
    with transaction(session_factory) as session, pytest.raises(transfer.ImportRefused) as error:
        transfer.import_csv(session, SECRETARIAT, orphan)
    assert (error.value.line, error.value.field) == (2, "code")
    duplicate = good + "commodity,Teff,fr,Autre,\n"
    with transaction(session_factory) as session, pytest.raises(transfer.ImportRefused) as error:
        transfer.import_csv(session, SECRETARIAT, duplicate)
    assert (error.value.line, error.value.field) == (5, "code")
    with transaction(session_factory) as session, pytest.raises(transfer.ImportRefused) as error:
        transfer.import_csv(session, SECRETARIAT, "domain,code,text\ncommodity,Teff,Teff\n")
    assert (error.value.line, error.value.field) == (1, "language")
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(DataLabel)) == 0
    with transaction(session_factory) as session:
        summary = transfer.import_csv(session, SECRETARIAT, good)
    assert (summary.created, summary.changed, summary.unchanged) == (3, 0, 0)
    with transaction(session_factory) as session:
        again = transfer.import_csv(session, SECRETARIAT, good)
    assert (again.created, again.changed, again.unchanged) == (0, 0, 3)
    with session_factory() as session:
        assert service.label("commodity", "Teff", "fr", session=session) == "Teff (éthiopien)"
    with transaction(session_factory) as session, pytest.raises(PermissionDenied):
        transfer.import_csv(session, FOCAL_POINT, good)


def test_export_neutralises_formulas_and_reads_back(session_factory: sessionmaker[Session]) -> None:
    _empty(session_factory)
    _english(session_factory, "source", "evil", '=HYPERLINK("http://x.example")')
    _english(session_factory, "source", "minus", "-5 t")
    with session_factory() as session:
        text = transfer.export_csv(session, domain="source")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["text"] for r in rows] == ['\'=HYPERLINK("http://x.example")', "'-5 t"]
    assert all(not r["text"].startswith(("=", "+", "-", "@")) for r in rows)
    # the quote the export added is removed when the file comes back
    with transaction(session_factory) as session:
        summary = transfer.import_csv(session, SECRETARIAT, text)
    assert summary.unchanged == 2


def test_sentences_built_before_rendering_use_the_bound_lookup(
    session_factory: sessionmaker[Session],
) -> None:
    """The risk drivers' sentence names the commodity in the page's language once the
    request's lookup is bound; without one (CLI, API) it stays as the data holds it."""
    import contextvars

    from iofs import i18n
    from iofs.monitor.risk.views import _phrase

    with transaction(session_factory) as session:
        service.seed(session)
    detail = {"commodity": "Wheat flour", "alert": 3, "markets": 5}

    def french(bind: bool) -> str:
        i18n.set_language("fr")
        if bind:
            cache.bind(cache.Lookup.of_factory(session_factory))
        return _phrase("price_ipa_alert", 60.0, detail)

    assert "farine de blé" in contextvars.copy_context().run(french, True)
    assert "wheat flour" in contextvars.copy_context().run(french, False)
    assert service.label("commodity", "Wheat flour", "fr") == "Wheat flour"  # nothing bound


def test_requests_within_a_quarter_second_share_one_read_of_the_stamp(
    session_factory: sessionmaker[Session],
) -> None:
    from sqlalchemy import event, update

    from iofs.labels.models import DataLabelStamp

    _empty(session_factory)
    _english(session_factory, "commodity", "Rice", "Rice")
    stamps: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "data_label_stamp" in statement and statement.lstrip().upper().startswith("SELECT"):
            stamps.append(statement)

    engine = session_factory.kw["bind"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(3):  # three requests in a row
            with session_factory() as session:
                assert cache.session_lookup(session)("commodity", "Rice", "fr") == "Rice"
        assert len(stamps) == 1  # mutated to read per request, 3
        with transaction(session_factory) as session:  # an edit in this process: at once
            service.put_label(session, SECRETARIAT, "commodity", "Rice", "fr", "Riz")
        with session_factory() as session:
            assert cache.session_lookup(session)("commodity", "Rice", "fr") == "Riz"
        with transaction(session_factory) as session:  # another process's edit: its stamp
            session.execute(
                update(DataLabel)
                .where(DataLabel.code == "Rice", DataLabel.language == "fr")
                .values(text="Riz brun")
            )
            session.execute(update(DataLabelStamp).values(stamp="from-another-process"))
        with session_factory() as session:
            late = cache.session_lookup(session)("commodity", "Rice", "fr")
        time.sleep(cache.STAMP_REUSE + 0.05)
        with session_factory() as session:
            assert cache.session_lookup(session)("commodity", "Rice", "fr") == "Riz brun"
        assert late in {"Riz", "Riz brun"}  # within STAMP_REUSE seconds, maybe not at once
    finally:
        event.remove(engine, "before_cursor_execute", count)
