"""The fast row builder of the audit chain (pre-encoded canonical JSON) writes exactly the
hashes :func:`iofs.audit.service.verify` recomputes, for every action and awkward text."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from iofs.audit import chain
from iofs.audit import service as audit
from iofs.audit.models import AuditEntry
from iofs.permissions import Principal
from iofs.roles import Role

CURATOR = Principal(
    user_id=7,
    email="curator@iofs.example",
    token_id=3,
    ip="10.0.0.1",
    user_agent='ua "quoted" é' + "x" * 300,
    roles={Role.GENEBANK_CURATOR: frozenset()},
)
TERMINAL = Principal(user_id=None, email=None, label="cli:root", roles={})


def test_chain_rows_hash_what_verify_recomputes() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    first = {"id": 41, "name": 'a"b\\c\n é', "n": 1.5, "flag": True, "none": None}
    second = {"id": 41, "name": "عربي ‮", "n": -1e-05, "flag": False, "none": None}
    batches = [
        chain.batch(
            CURATOR,
            moment,
            "create",
            "genebank_accession",
            [
                ("41", None, audit.snapshot_json(first)),
                ("42", None, "{}"),
            ],
        ),
        chain.batch(
            TERMINAL,
            moment,
            "update",
            "strategy_partner",
            [
                ("41", audit.snapshot_json(first), audit.snapshot_json(second)),
            ],
        ),
        chain.batch(
            TERMINAL, moment, "delete", "a/b", [("7/x", audit.snapshot_json(second), None)]
        ),
    ]
    rows: list[tuple[object, ...]] = []
    next_id, last = 100, "f" * 64
    pieces: dict[tuple[object, ...], tuple[str, str, str]] = {}  # shared as at the commit
    for queued in [*batches, batches[1]._replace(at=moment.replace(year=2027))]:
        next_id, last = chain.chain_rows(queued, next_id, last, queued.at, rows, pieces)
    assert next_id == 105 and len(rows) == 5 and len(pieces) == 3
    previous = "f" * 64
    for number, row in enumerate(rows, start=100):
        entry = AuditEntry(**dict(zip(chain.COLUMNS, row, strict=True)))
        assert entry.id == number and entry.prev_hash == previous
        assert chain.entry_hash(chain.hashed_fields(entry)) == entry.hash
        previous = entry.hash
    assert last == previous
    assert rows[0][6] == ('ua "quoted" é' + "x" * 300)[:255]  # the user agent's column size
    assert rows[2][3] is rows[2][4] is None and rows[3][2] == "cli:root"


def test_a_changed_field_changes_the_hash() -> None:
    moment = datetime(2026, 1, 2, tzinfo=UTC)
    hashes = set()
    for after in ('{"a": 1}', '{"a": 2}'):
        for record_id in ("1", "2"):
            rows: list[tuple[object, ...]] = []
            queued = chain.batch(CURATOR, moment, "create", "t", [(record_id, None, after)])
            chain.chain_rows(queued, 1, chain.GENESIS_HASH, moment, rows)
            hashes.add(rows[0][-1])
    assert len(hashes) == 4


def test_snapshot_json_is_what_bulk_importers_encode() -> None:
    values = {"b": "é\n", "a": None, "c": 1.25}
    assert audit.snapshot_json(values) == json.dumps(values, sort_keys=True, ensure_ascii=False)
    assert audit.snapshot_json(None) is None
