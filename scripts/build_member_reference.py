"""Rebuild ``src/iofs/members/reference/member_states.csv`` from researched public facts.

Inputs (not shipped with iofs): ``../shared/data/oic/oic_members.csv`` (OIC membership,
accession years, IOFS membership with sources) and ``../shared/data/crosswalk/`` (ISO, M49 and
FAO area codes, UN names in Arabic and French). The output is the project's own reference file;
run this only when the researched facts change, then review the diff.

Usage: python scripts/build_member_reference.py [SHARED_DATA_DIR]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/iofs/members/reference/member_states.csv"

#: Statute signature dates (ISO 8601, reduced precision) read from the sources quoted in
#: oic_members.csv; the source stays in the ``sources`` column of the output.
SIGNED_ON = {
    "Conakry Dec 2013": "2013-12",
    "Astana 28 Apr 2016": "2016-04-28",
    "Doha Oct 2023": "2023-10",
    "25 Feb 2021": "2021-02-25",
    "Jeddah Aug 2019": "2019-08",
    "Apr 2019": "2019-04",
}

#: UN short names where the research file uses a colloquial one.
NAME_EN = {
    "IRN": "Iran (Islamic Republic of)",
    "PSE": "State of Palestine",
    "SYR": "Syrian Arab Republic",
}
NAME_AR = {"IRN": "جمهورية إيران الإسلامية"}

GROUPS = {"Arab": "arab", "African": "african", "Asian": "asian", "": "unknown"}


def main(shared: Path) -> None:
    members = list(csv.DictReader((shared / "oic/oic_members.csv").open(encoding="utf-8")))
    codes = {
        row["ISO3166-1-Alpha-3"]: row
        for row in csv.DictReader((shared / "crosswalk/country-codes.csv").open(encoding="utf-8"))
    }
    fao: dict[str, str] = {}
    with (shared / "crosswalk/FAOSTAT_CountryGroups.csv").open(encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            cells = [cell.strip() for cell in row]
            fao.setdefault(cells[6], cells[2])
    fields = [
        "iso3",
        "iso2",
        "iso_numeric",
        "m49",
        "fao_code",
        "name_en",
        "name_ar",
        "name_fr",
        "oic_group",
        "oic_accession_year",
        "iofs_status",
        "iofs_statute_signed_on",
        "iofs_statute_ratified",
        "iofs_statute_ratified_on",
        "sources",
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for member in sorted(members, key=lambda m: m["iso3"]):
            iso3 = member["iso3"]
            code = codes[iso3]
            note = member["source_note"]
            signed_on = next((d for text, d in SIGNED_ON.items() if text in note), "")
            writer.writerow(
                {
                    "iso3": iso3,
                    "iso2": code["ISO3166-1-Alpha-2"],
                    "iso_numeric": int(code["ISO3166-1-numeric"]),
                    "m49": int(code["M49"]),
                    "fao_code": fao[iso3],
                    "name_en": NAME_EN.get(iso3, member["name"]),
                    "name_ar": NAME_AR.get(iso3, code["official_name_ar"]),
                    "name_fr": code["official_name_fr"].replace("’", "'"),
                    "oic_group": GROUPS[member["oic_region_group"]],
                    "oic_accession_year": member["oic_member_since"],
                    "iofs_status": {"yes": "member", "no": "not_member"}.get(
                        member["iofs_member"], "unknown"
                    ),
                    "iofs_statute_signed_on": signed_on if member["iofs_member"] == "yes" else "",
                    "iofs_statute_ratified": "yes" if "ratified (" in note else "unknown",
                    "iofs_statute_ratified_on": "",
                    "sources": note,
                }
            )
    print(f"wrote {OUT} ({len(members)} states)")


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[2] / "shared" / "data"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
