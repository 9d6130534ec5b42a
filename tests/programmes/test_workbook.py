"""Excel bulk entry: the template, and uploads that are validated row by row, all or nothing.

Workbooks are built with openpyxl as a person would fill them in (dates as dates, numbers as
numeric cells) and entered through the real services on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from iofs.audit.models import AuditEntry
from iofs.db import transaction
from iofs.permissions import PermissionDenied, Principal
from iofs.programmes import contributions, figures, pipeline, registry, review
from iofs.programmes.exchange import workbook_template, workbook_upload
from iofs.programmes.models import (
    Beneficiaries,
    Consignment,
    ConsignmentStage,
    Contribution,
    ContributionStatus,
    ContributionYear,
)
from iofs.roles import Role

MAKER = Principal(user_id=9101, roles={Role.SECRETARIAT: frozenset()}, label="maker")
CHECKER = Principal(user_id=9102, roles={Role.SECRETARIAT: frozenset()}, label="checker")
KAZ_FOCAL = Principal(user_id=9103, roles={Role.FOCAL_POINT: frozenset({"KAZ"})}, label="kaz")
VIEWER = Principal(user_id=9104, roles={Role.VIEWER: frozenset()}, label="viewer")

CONTRIBUTION_HEAD = [
    "reference",
    "donor",
    "appeal",
    "project",
    "status",
    "decided_on",
    "currency",
    "amount",
    "exchange_rate",
    "rate_date",
    "rate_source",
    "years",
    "illustrative",
]
CONSIGNMENT_HEAD = [
    "reference",
    "appeal",
    "project",
    "contribution",
    "country",
    "commodity",
    "origin",
    "destination",
]
STAGE_HEAD = ["consignment", "stage", "dated", "quantity_t", "loss_t", "document"]
BENEFICIARY_HEAD = [
    "appeal",
    "project",
    "consignment",
    "country",
    "measure",
    "unit",
    "sex",
    "age_group",
    "number",
    "as_of",
]


def _xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    """A workbook with one sheet per entry: headings first, then the rows."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _good() -> dict[str, list[list[Any]]]:
    """Phase 2 of the Gaza appeal: two contributions, a consignment, two stages, a count."""
    return {
        "contributions": [
            CONTRIBUTION_HEAD,
            [
                "F4H-GAZA-TKM-2",
                "TKM",
                "F4H-GAZA",
                "F4H-PSE",
                "paid",
                date(2025, 3, 1),
                "USD",
                60000,
                None,
                None,
                None,
                "2025:40000;2026:20000",
                "yes",
            ],
            [
                "F4H-GAZA-TUR-2",
                "TUR",
                "F4H-GAZA",
                "F4H-PSE",
                "commitment",
                date(2025, 3, 4),
                None,
                25000.5,
                None,
                None,
                None,
                None,
                None,
            ],
        ],
        "consignments": [
            CONSIGNMENT_HEAD,
            [
                "F4H-GAZA-P2",
                "F4H-GAZA",
                "F4H-PSE",
                "F4H-GAZA-TKM-2",
                "PSE",
                "wheat flour",
                "Kazakhstan",
                "Gaza Strip",
            ],
        ],
        "stages": [
            STAGE_HEAD,
            ["F4H-GAZA-P2", "procured", date(2025, 3, 10), 120, None, "F4H-P2-PROC"],
            ["F4H-GAZA-P2", "dispatched", date(2025, 3, 20), 119.5, 0.5, "F4H-P2-WB1"],
        ],
        "beneficiaries": [
            BENEFICIARY_HEAD,
            [
                "F4H-GAZA",
                "F4H-PSE",
                "F4H-GAZA-P2",
                "PSE",
                "targeted",
                "households",
                "female",
                "18-59",
                4800,
                date(2025, 3, 1),
            ],
        ],
    }


def _counts(factory: sessionmaker[Session]) -> dict[str, int]:
    with transaction(factory) as session:
        return {
            model.__name__: session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (
                Contribution,
                ContributionStatus,
                ContributionYear,
                Consignment,
                ConsignmentStage,
                Beneficiaries,
                AuditEntry,
            )
        }


def _rejected(
    factory: sessionmaker[Session], data: bytes, principal: Principal = MAKER
) -> workbook_upload.UploadRejected:
    with pytest.raises(workbook_upload.UploadRejected) as caught, transaction(factory) as session:
        workbook_upload.upload(session, principal, data)
    return caught.value


def _where(error: workbook_upload.RowError) -> tuple[str, int | None, str | None]:
    return error.sheet, error.row, error.column


def test_template_lists_the_codes_and_explains_every_column(
    programme_data: sessionmaker[Session],
) -> None:
    with transaction(programme_data) as session:
        content = workbook_template.template(session)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == [
        "read me",
        "contributions",
        "consignments",
        "stages",
        "beneficiaries",
        "codes",
    ]
    headings = {
        name: [cell.value for cell in book[name][1]]
        for name in ("contributions", "consignments", "stages", "beneficiaries")
    }
    assert "years" in headings["contributions"]
    assert "fts_flow_id" not in headings["contributions"]
    assert headings["stages"] == [
        "consignment",
        "stage",
        "dated",
        "quantity_t",
        "loss_t",
        "document",
        "note",
    ]
    assert headings["beneficiaries"][:3] == ["project", "appeal", "consignment"]
    codes = {cell.value for row in book["codes"].iter_rows(min_row=2) for cell in row}
    assert {
        "IOFS",
        "KAZ",
        "TJK",
        "TKM",
        "TUR",
        "AZE",
        "BGD",
        "F4H-GAZA",
        "AFSP",
        "F4H",
        "AFSP-AFG",
        "F4H-PSE",
        "F4H-GAZA-P1",
    } <= codes
    explained = {(row[0], row[1]) for row in book["read me"].iter_rows(values_only=True)}
    for name, columns in headings.items():
        assert {(name, column) for column in columns} <= explained
    for name in headings:
        assert book[name].freeze_panes == "A2"
    sheet = book["contributions"]
    lists = {
        str(validation.sqref): validation.formula1
        for validation in sheet.data_validations.dataValidation
    }
    letter = {value: cell.column_letter for cell in sheet[1] if (value := cell.value)}
    modality = next(
        formula for cells, formula in lists.items() if cells.startswith(letter["modality"] + "2")
    )
    assert modality == '"cash,in_kind"'
    assert any(
        formula.startswith("codes!$A$2")
        for cells, formula in lists.items()
        if cells.startswith(letter["donor"] + "2")
    )
    stage_lists = [v.formula1 for v in book["stages"].data_validations.dataValidation]
    assert '"pledged,procured,dispatched,received,distributed"' in stage_lists
    ages = [v.formula1 for v in book["beneficiaries"].data_validations.dataValidation]
    assert '"all,0-4,5-17,18-59,60+"' in ages
    assert sheet.column_dimensions[letter["decided_on"]].number_format == "yyyy-mm-dd"
    # the untouched template uploads as nothing at all
    before = _counts(programme_data)
    with transaction(programme_data) as session:
        report = workbook_upload.upload(session, MAKER, content)
    assert (report.created, report.changed, report.unchanged) == (0, 0, 0)
    assert _counts(programme_data) == before


def test_a_good_sheet_creates_pending_figures_that_count_once_approved(
    programme_data: sessionmaker[Session],
) -> None:
    with transaction(programme_data) as session:
        funded_before = figures.appeal_figures(
            session, registry.appeal(session, "F4H-GAZA")
        ).total.funding.funded
        report = workbook_upload.upload(session, MAKER, _xlsx(_good()))
    assert {name: (c.created, c.changed, c.unchanged) for name, c in report.sheets.items()} == {
        "contributions": (2, 0, 0),
        "consignments": (1, 0, 0),
        "stages": (2, 0, 0),
        "beneficiaries": (1, 0, 0),
    }
    with transaction(programme_data) as session:
        tkm = contributions.by_reference(session, "F4H-GAZA-TKM-2")
        tur = contributions.by_reference(session, "F4H-GAZA-TUR-2")
        assert (tkm.approval, tkm.status, tkm.amount_usd) == (
            "pending",
            "paid",
            Decimal("60000.00"),
        )
        assert tkm.illustrative is True and tkm.entered_by == "maker"
        assert contributions.years(session, tkm.id) == {
            2025: Decimal("40000.00"),
            2026: Decimal("20000.00"),
        }
        assert (tur.currency, tur.amount_usd, tur.recipient_id) == (
            "USD",
            Decimal("25000.50"),
            registry.organisation(session, "IOFS").id,
        )
        p2 = pipeline.consignment(session, "F4H-GAZA-P2")
        assert p2.contribution_id == tkm.id
        stages = pipeline.stages(session, p2.id)
        assert [(s.stage, s.quantity_t, s.loss_t, s.approval) for s in stages] == [
            ("procured", Decimal("120.000"), Decimal("0.000"), "pending"),
            ("dispatched", Decimal("119.500"), Decimal("0.500"), "pending"),
        ]
        gaza = figures.appeal_figures(session, registry.appeal(session, "F4H-GAZA"))
        assert gaza.total.funding.funded == funded_before  # pending: not counted
        review.decide(session, CHECKER, "contribution", tkm.id, "approved")
        review.decide(session, CHECKER, "contribution", tur.id, "approved")
        gaza = figures.appeal_figures(session, registry.appeal(session, "F4H-GAZA"))
        assert gaza.total.funding.funded == funded_before + Decimal("85000.50")


def test_one_bad_row_among_good_ones_writes_nothing_and_names_the_row(
    programme_data: sessionmaker[Session],
) -> None:
    sheets = _good()
    sheets["contributions"].append(
        [
            "F4H-GAZA-XXX-1",
            "XXX",
            "F4H-GAZA",
            None,
            "pledge",
            date(2025, 3, 5),
            "USD",
            1000,
            None,
            None,
            None,
            None,
            None,
        ]
    )
    before = _counts(programme_data)
    # even a caller that swallows the error and commits writes nothing
    with (
        transaction(programme_data) as session,
        pytest.raises(workbook_upload.UploadRejected) as caught,
    ):
        workbook_upload.upload(session, MAKER, _xlsx(sheets))
    assert _counts(programme_data) == before
    errors = caught.value.errors
    assert [(_where(e), e.letter) for e in errors] == [(("contributions", 4, "donor"), "B")]
    assert "XXX" in errors[0].reason
    assert "row 4" in str(caught.value) and "donor" in str(caught.value)
    assert caught.value.forbidden is False
    # and the caller's transaction rolling back writes nothing either
    _rejected(programme_data, _xlsx(sheets))
    assert _counts(programme_data) == before


def test_every_bad_row_is_reported(programme_data: sessionmaker[Session]) -> None:
    sheets = _good()
    sheets["contributions"] += [
        [
            "F4H-GAZA-BAD-1",
            "KAZ",
            "F4H-GAZA",
            None,
            "paid",
            "31/03/2025",
            "USD",
            10,
            None,
            None,
            None,
            None,
            None,
        ],
        [
            "F4H-GAZA-BAD-2",
            "KAZ",
            "F4H-GAZA",
            None,
            "paid",
            date(2025, 3, 5),
            "USD",
            "12,5x",
            None,
            None,
            None,
            None,
            None,
        ],
        [
            "F4H-GAZA-BAD-3",
            "KAZ",
            "F4H-GAZA",
            None,
            "given",
            date(2025, 3, 5),
            "USD",
            10,
            None,
            None,
            None,
            None,
            None,
        ],
        [
            "F4H-GAZA-BAD-4",
            "KAZ",
            "F4H-GAZA",
            None,
            "paid",
            date(2025, 3, 5),
            "USD",
            100,
            None,
            None,
            None,
            "2025:60;2026:30",
            None,
        ],
        [
            None,
            "KAZ",
            "F4H-GAZA",
            None,
            "paid",
            date(2025, 3, 5),
            "USD",
            100,
            None,
            None,
            None,
            None,
            None,
        ],
        [
            "F4H-GAZA-BAD-6",
            "KAZ",
            "F4H-GAZA",
            None,
            "paid",
            date(2025, 3, 5),
            "KZT",
            100,
            None,
            None,
            None,
            None,
            None,
        ],
    ]
    sheets["consignments"].append(
        ["F4H-NOWHERE-1", "NO-SUCH-APPEAL", None, None, "PSE", "wheat flour", None, None]
    )
    sheets["stages"] += [
        ["F4H-GAZA-P2", "shipped", date(2025, 3, 21), 1, None, "X"],
        ["F4H-GAZA-P2", "received", date(2025, 3, 25), 500, None, "F4H-P2-GRN"],
        ["F4H-GAZA-P9", "procured", date(2025, 3, 25), 5, None, "F4H-P9"],
    ]
    sheets["beneficiaries"].append(
        [
            "F4H-GAZA",
            None,
            None,
            "PSE",
            "reached",
            "households",
            "all",
            "all",
            -5,
            date(2025, 3, 31),
        ]
    )
    before = _counts(programme_data)
    rejected = _rejected(programme_data, _xlsx(sheets))
    assert _counts(programme_data) == before
    assert [_where(e) for e in rejected.errors] == [
        ("contributions", 4, "decided_on"),
        ("contributions", 5, "amount"),
        ("contributions", 6, "status"),
        ("contributions", 7, "years"),
        ("contributions", 8, "reference"),
        ("contributions", 9, "exchange_rate"),
        ("consignments", 3, "appeal"),
        ("stages", 4, "stage"),
        ("stages", 5, "quantity_t"),
        ("stages", 6, "consignment"),
        ("beneficiaries", 3, "number"),
    ]
    assert all(error.reason for error in rejected.errors)
    assert "YYYY-MM-DD" in rejected.errors[0].reason
    assert "NO-SUCH-APPEAL" in rejected.errors[6].reason


def test_unknown_sheets_and_columns_are_refused(programme_data: sessionmaker[Session]) -> None:
    data = _xlsx(
        {
            "contributions": [[*CONTRIBUTION_HEAD, "colour"]],
            "Stages 2025": [STAGE_HEAD],
            "stages": [[*STAGE_HEAD, "document"]],
        }
    )
    rejected = _rejected(programme_data, data)
    assert sorted((e.sheet, e.row, e.column, e.letter) for e in rejected.errors) == [
        ("Stages 2025", None, None, None),
        ("contributions", 1, "colour", "N"),
        ("stages", 1, "document", "G"),
    ]
    not_excel = _rejected(programme_data, b"reference,donor\nX,KAZ\n")
    assert len(not_excel.errors) == 1 and ".xlsx" in not_excel.errors[0].reason


def test_uploading_the_same_sheet_again_changes_nothing(
    programme_data: sessionmaker[Session],
) -> None:
    data = _xlsx(_good())
    with transaction(programme_data) as session:
        workbook_upload.upload(session, MAKER, data)
    before = _counts(programme_data)
    with transaction(programme_data) as session:
        report = workbook_upload.upload(session, MAKER, data)
    assert (report.created, report.changed, report.unchanged) == (0, 0, 6)
    assert _counts(programme_data) == before  # not one audit entry more
    # a stage already recorded by the demo, uploaded again, is not added twice either
    demo_stage = _xlsx(
        {
            "stages": [
                STAGE_HEAD,
                ["F4H-GAZA-P1", "distributed", date(2025, 1, 31), 200, None, "F4H-P1-DIST"],
            ]
        }
    )
    with transaction(programme_data) as session:
        report = workbook_upload.upload(session, MAKER, demo_stage)
    assert report.sheets["stages"].unchanged == 1
    assert _counts(programme_data) == before
    # a changed row is an update
    sheets = _good()
    sheets["contributions"][2][7] = 26000
    with transaction(programme_data) as session:
        report = workbook_upload.upload(session, MAKER, _xlsx(sheets))
    assert (report.sheets["contributions"].changed, report.sheets["contributions"].unchanged) == (
        1,
        1,
    )


def test_the_same_record_twice_in_a_sheet_is_an_error(
    programme_data: sessionmaker[Session],
) -> None:
    sheets = _good()
    sheets["stages"].append(list(sheets["stages"][1]))
    rejected = _rejected(programme_data, _xlsx(sheets))
    assert [_where(e) for e in rejected.errors] == [("stages", 4, None)]
    assert "row 2" in rejected.errors[0].reason


def test_a_focal_point_may_not_enter_another_states_stage(
    programme_data: sessionmaker[Session],
) -> None:
    before = _counts(programme_data)
    data = _xlsx(
        {
            "stages": [
                STAGE_HEAD,
                ["F4H-GAZA-P1", "distributed", date(2025, 1, 31), 200, None, "F4H-P1-DIST"],
                ["F4H-GAZA-P1", "distributed", date(2025, 2, 2), 1, None, "F4H-P1-DIST2"],
            ]
        }
    )
    rejected = _rejected(programme_data, data, KAZ_FOCAL)
    assert rejected.forbidden
    assert [(_where(e), e.forbidden) for e in rejected.errors] == [
        (("stages", 2, "consignment"), True),
        (("stages", 3, "consignment"), True),
    ]
    assert "PSE" in rejected.errors[0].reason
    assert "row 2" in str(rejected.errors[0])
    assert _counts(programme_data) == before
    with pytest.raises(PermissionDenied), transaction(programme_data) as session:
        workbook_upload.upload(session, VIEWER, data)


def test_decimals_are_exact(programme_data: sessionmaker[Session]) -> None:
    head = CONTRIBUTION_HEAD
    data = _xlsx(
        {
            "contributions": [
                head,
                [
                    "AFSP-KAZ-KZT-1",
                    "KAZ",
                    None,
                    "AFSP-AFG",
                    "paid",
                    date(2025, 5, 2),
                    "KZT",
                    1234567.89,
                    0.0021,
                    date(2025, 5, 2),
                    "National Bank of Kazakhstan",
                    None,
                    None,
                ],
                [
                    "AFSP-KAZ-KZT-2",
                    "KAZ",
                    None,
                    "AFSP-AFG",
                    "paid",
                    date(2025, 5, 2),
                    "KZT",
                    "1234567.89",
                    "0.0021",
                    "2025-05-02",
                    "National Bank of Kazakhstan",
                    None,
                    None,
                ],
                [
                    "AFSP-TJK-FLOAT",
                    "TJK",
                    None,
                    "AFSP-AFG",
                    "pledge",
                    date(2025, 5, 2),
                    "USD",
                    0.1 + 0.2,
                    None,
                    None,
                    None,
                    "2025:0.30",
                    None,
                ],
                [
                    "AFSP-TKM-BIG",
                    "TKM",
                    None,
                    "AFSP-AFG",
                    "pledge",
                    date(2025, 5, 2),
                    "USD",
                    987654321012.34,
                    None,
                    None,
                    None,
                    None,
                    None,
                ],
            ]
        }
    )
    with transaction(programme_data) as session:
        workbook_upload.upload(session, MAKER, data)
    with transaction(programme_data) as session:
        for reference in ("AFSP-KAZ-KZT-1", "AFSP-KAZ-KZT-2"):
            kzt = contributions.by_reference(session, reference)
            assert (kzt.amount, kzt.exchange_rate, kzt.amount_usd) == (
                Decimal("1234567.89"),
                Decimal("0.0021"),
                Decimal("2592.59"),
            )
            assert kzt.rate_date == date(2025, 5, 2)
        small = contributions.by_reference(session, "AFSP-TJK-FLOAT")
        assert small.amount == Decimal("0.30") and small.amount_usd == Decimal("0.30")
        assert contributions.years(session, small.id) == {2025: Decimal("0.30")}
        big = contributions.by_reference(session, "AFSP-TKM-BIG")
        assert big.amount_usd == Decimal("987654321012.34")
    # a third decimal of a cent is refused, not rounded away
    rejected = _rejected(
        programme_data,
        _xlsx(
            {
                "contributions": [
                    head,
                    [
                        "AFSP-TUR-X",
                        "TUR",
                        None,
                        "AFSP-AFG",
                        "pledge",
                        date(2025, 5, 2),
                        "USD",
                        10.005,
                        None,
                        None,
                        None,
                        None,
                        None,
                    ],
                ]
            }
        ),
    )
    assert [_where(e) for e in rejected.errors] == [("contributions", 2, "amount")]
