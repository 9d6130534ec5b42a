"""Demonstration data of the gene bank: a small collection to see search, facets, the map,
accession pages, the regeneration queue and the distribution workflow at work.

Everything here is made up except the taxa, the MCPD codes, the Svalbard Global Seed Vault's
FAO WIEWS code (NOR051) and the Ellis & Roberts species constants the predictions use (built
in, with their references). The records say so where they are shown: institute ``KAZ900``
is not a real WIEWS code, accession numbers start with ``DEMO-``, REMARKS reads
"illustrative", lot numbers, recipients and agreement identifiers carry "DEMO"/"Illustrative".
Loading twice changes nothing.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.genebank import mcpd, service
from iofs.genebank.models import Accession, Distribution, GerminationTest, SafetyDuplicate
from iofs.permissions import Principal

INSTCODE = "KAZ900"  # not a real FAO WIEWS code: illustrative institute
ILLUSTRATIVE = "REMARKS:Illustrative record for demonstration, not a real accession"

#: (number, genus, species, crop, local name, origin, SAMPSTAT, collected, lat, lon,
#: available) — all illustrative.
ACCESSIONS = [
    (
        "DEMO-0001",
        "Triticum",
        "aestivum",
        "wheat",
        "Akmola Red",
        "KAZ",
        "300",
        "20180815",
        "51.2800",
        "71.4300",
        "yes",
    ),
    (
        "DEMO-0002",
        "Triticum",
        "aestivum",
        "wheat",
        "Kostanay White",
        "KAZ",
        "300",
        "20170902",
        "53.2100",
        "63.6200",
        "yes",
    ),
    (
        "DEMO-0003",
        "Hordeum",
        "vulgare",
        "barley",
        "Fergana",
        "UZB",
        "300",
        "20160720",
        "40.3800",
        "71.7800",
        "yes",
    ),
    (
        "DEMO-0004",
        "Cicer",
        "arietinum",
        "chickpea",
        "Anatolian Cream",
        "TUR",
        "300",
        "20150705",
        "38.4200",
        "27.1400",
        "yes",
    ),
    (
        "DEMO-0005",
        "Sorghum",
        "bicolor",
        "sorghum",
        "Kordofan",
        "SDN",
        "300",
        "20141110",
        "13.1800",
        "30.2200",
        "yes",
    ),
    (
        "DEMO-0006",
        "Pennisetum",
        "glaucum",
        "pearl millet",
        "Sahel Gold",
        "NER",
        "300",
        "20131020",
        "13.5100",
        "2.1100",
        "yes",
    ),
    (
        "DEMO-0007",
        "Oryza",
        "sativa",
        "rice",
        "Sylhet Aromatic",
        "BGD",
        "300",
        "20190301",
        "24.9000",
        "91.8700",
        "yes",
    ),
    (
        "DEMO-0008",
        "Hordeum",
        "vulgare",
        "barley",
        "Wild barley, Zagros",
        "IRN",
        "100",
        "20120612",
        "33.4800",
        "48.3500",
        "no",
    ),
    ("DEMO-0009", "Zea", "mays", "maize", "", "EGY", "500", "", "", "", "yes"),
    (
        "DEMO-0010",
        "Arachis",
        "hypogaea",
        "groundnut",
        "Casamance",
        "SEN",
        "300",
        "20180110",
        "12.5600",
        "-16.2700",
        "no",
    ),
]

#: (accession, lot, collection, °C, moisture %, seeds, stored years ago, germination
#: counts per test [(years ago, "sown", "germinated")]) — illustrative.
LOTS = [
    (
        "DEMO-0001",
        "DEMO-L1",
        "base",
        -18.0,
        5.5,
        12_000,
        6,
        [(6, "50;50;50;50", "49;48;49;47"), (1, "50;50;50;50", "47;48;46;47")],
    ),
    (
        "DEMO-0001",
        "DEMO-L2",
        "active",
        5.0,
        6.5,
        1_800,
        6,
        [(6, "50;50;50;50", "48;49;48;47"), (1, "50;50;50;50", "36;38;35;37")],
    ),
    ("DEMO-0003", "DEMO-L1", "active", 5.0, 7.0, 420, 7, [(7, "50;50;50;50", "46;47;45;46")]),
    ("DEMO-0004", "DEMO-L1", "base", -18.0, 5.0, 5_000, 3, [(3, "50;50;50;50", "44;41;43;42")]),
    ("DEMO-0005", "DEMO-L1", "active", 8.0, 7.5, 3_000, 9, []),
    ("DEMO-0007", "DEMO-L1", "base", -18.0, 6.0, 9_000, 2, [(2, "50;50;50;50", "50;49;49;50")]),
]


def _passport() -> str:
    records = [
        {
            "INSTCODE": INSTCODE,
            "ACCENUMB": number,
            "GENUS": genus,
            "SPECIES": species,
            "CROPNAME": crop,
            "ACCENAME": name,
            "ORIGCTY": country,
            "SAMPSTAT": status,
            "COLLDATE": collected,
            "ACQDATE": collected[:4] + "----" if collected else "",
            "DECLATITUDE": lat,
            "DECLONGITUDE": lon,
            "COLLSRC": "10" if status == "100" else "26",
            "STORAGE": "13",
            "MLSSTAT": "1",
            "REMARKS": ILLUSTRATIVE,
            "AVAILABLE": available,
        }
        for (
            number,
            genus,
            species,
            crop,
            name,
            country,
            status,
            collected,
            lat,
            lon,
            available,
        ) in ACCESSIONS
    ]
    out = io.StringIO()
    columns = [*mcpd.MCPD_COLUMNS, mcpd.AVAILABLE]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([r.get(c, "") for c in columns] for r in records)
    return out.getvalue()


def load(session: Session, principal: Principal, today: date | None = None) -> str:
    """Illustrative accessions, lots, germination tests, a Svalbard safety duplicate and one
    distribution in each state."""
    today = today or date.today()
    imported = service.import_passport(session, principal, service.validate_csv_text(_passport()))
    ids = {
        a.accenumb: a.id
        for a in session.execute(select(Accession).where(Accession.instcode == INSTCODE)).scalars()
    }

    def years_ago(years: int) -> date:
        return today - timedelta(days=round(365.25 * years))

    lots = {}
    for number, lot_number, collection, temperature, moisture, seeds, age, tests in LOTS:
        existing = {lot.lot_number: lot for lot in service.lots_of(session, ids[number])}
        lot = existing.get(lot_number)
        if lot is None:
            lot, _warnings = service.create_lot(
                session,
                principal,
                ids[number],
                service.LotIn(
                    lot_number=lot_number,
                    collection=collection,
                    storage_temperature_c=temperature,
                    moisture_content_pct=moisture,
                    seed_count=seeds,
                    origin="acquisition",
                    stored_on=years_ago(age),
                    reference_sample_seeds=50,
                    room="DEMO",
                    freezer="F1" if collection == "base" else "",
                    shelf="S1",
                    box=lot_number,
                ),
            )
        lots[(number, lot_number)] = lot
        if not session.execute(
            select(GerminationTest.id).where(GerminationTest.lot_id == lot.id)
        ).first():
            for tested, sown, germinated in tests:
                service.record_germination_test(
                    session,
                    principal,
                    lot.id,
                    max(years_ago(tested), lot.stored_on),
                    sown,
                    germinated,
                    "ISTA, illustrative",
                )
    wheat = ids["DEMO-0001"]
    if not session.execute(
        select(SafetyDuplicate.id).where(SafetyDuplicate.accession_id == wheat)
    ).first():
        service.add_safety_duplicate(
            session,
            principal,
            wheat,
            service.SafetyDuplicateIn(
                site_code="NOR051",
                site_name="Svalbard Global Seed Vault",
                box="DEMO-BOX-1",
                deposited_on=years_ago(5),
                seed_count=500,
            ),
        )
    if not session.execute(
        select(Distribution.id).where(Distribution.accession_id == wheat)
    ).first():
        lot_id = lots[("DEMO-0001", "DEMO-L1")].id
        recipient = "Illustrative recipient (%s)"
        service.distribute(
            session,
            principal,
            lot_id,
            service.DistributionIn(
                recipient_name=recipient % "shipped",
                recipient_country="UZB",
                purpose="breeding",
                mta_type="smta",
                mta_identifier="DEMO-SMTA-1",
                mta_date=years_ago(1),
                requested_on=years_ago(1),
                shipped_on=years_ago(1),
            ),
        )
        ordered = service.request_sample(
            session,
            principal,
            wheat,
            service.RequestIn(
                recipient_name=recipient % "ordered",
                recipient_country="TUR",
                purpose="research",
                requested_on=today - timedelta(days=20),
            ),
        )
        service.order_sample(
            session,
            principal,
            ordered.id,
            service.OrderIn(
                lot_id=lot_id,
                mta_type="smta",
                mta_identifier="DEMO-SMTA-2",
                mta_date=today - timedelta(days=10),
                ordered_on=today - timedelta(days=10),
            ),
        )
        service.request_sample(
            session,
            principal,
            wheat,
            service.RequestIn(
                recipient_name=recipient % "requested",
                recipient_country="SEN",
                purpose="training",
                requested_on=today - timedelta(days=3),
                seeds=30,
            ),
        )
    return (
        f"{len(ACCESSIONS)} accessions ({imported.inserted} new), {len(LOTS)} lots with "
        "germination tests, 1 safety duplicate, 3 distributions (all illustrative)"
    )
