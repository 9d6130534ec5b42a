"""The bulk fast path of the audit log builds exactly the entries of created_many."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from iofs.audit import service as audit
from iofs.permissions import Principal
from iofs.roles import Role


def test_bulk_audit_entries_are_those_of_created_many() -> None:
    principal = Principal(
        user_id=7,
        email="curator@iofs.example",
        token_id=3,
        ip="10.0.0.1",
        user_agent='ua "quoted" é',
        roles={Role.GENEBANK_CURATOR: frozenset()},
    )
    moment = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    snapshots = [
        {"id": 41, "name": 'a"b\\c\n é', "n": 1.5, "flag": True, "none": None},
        {"id": 42, "name": "", "n": -1e-05, "flag": False, "none": None},
    ]
    items = [(str(s["id"]), json.dumps(s, sort_keys=True, ensure_ascii=False)) for s in snapshots]
    rows, last = audit.created_rows(principal, "genebank_accession", items, 100, "f" * 64, moment)
    previous = "f" * 64
    for offset, (values, row) in enumerate(zip(snapshots, rows, strict=True)):
        entry = audit._new_entry(
            principal,
            entry_id=100 + offset,
            prev_hash=previous,
            at=moment,
            action="create",
            record_type="genebank_accession",
            record_id=str(values["id"]),
            before=None,
            after=values,
        )
        assert dict(zip(audit.CSV_COLUMNS, row, strict=True)) == {
            name: getattr(entry, name) for name in audit.CSV_COLUMNS
        }
        previous = entry.hash
    assert last == previous
