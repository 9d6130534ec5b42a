"""IATI 2.03 activity export: the official schema, codelists and Validator rules, hierarchy,
transactions from the maker–checker history, humanitarian scope and results.

The schema, codelists, examples and ruleset are the official IATI files in
``shared/data/iati`` (see its SOURCE.md); tests needing them skip when they are absent.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy.orm import Session, sessionmaker

from iofs.db import transaction
from iofs.permissions import Principal
from iofs.programmes import contributions, registry, results, review
from iofs.programmes.exchange import iati_checks, iati_export
from iofs.roles import Role

MAKER = Principal(roles={Role.SECRETARIAT: frozenset()}, label="maker")
CHECKER = Principal(roles={Role.SECRETARIAT: frozenset()}, label="checker")
#: Export moment of the tests: after every demo date.
NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.fixture
def iati_data(shared_data: Path) -> Path:
    folder = shared_data / "iati"
    if not (folder / "schema" / "iati-activities-schema.xsd").is_file():
        pytest.skip(f"IATI schema, codelists and examples not found in {folder}")
    return folder


def _export(factory: sessionmaker[Session]) -> bytes:
    with transaction(factory) as session:
        return iati_export.activities_xml(session, generated_at=NOW)


def _activity(xml: bytes, code: str) -> Any:
    found = etree.fromstring(xml).xpath(
        "iati-activity[iati-identifier=$identifier]",
        identifier=f"{iati_export.IOFS_ORG_REF}-{code}",
    )
    assert len(found) == 1, f"no single activity {code}"
    return found[0]


def _transactions(activity: Any, reference: str) -> list[tuple[str, str, str, str, str]]:
    """(type, date, value, currency, value-date) of a contribution's transactions."""
    return [
        (
            t.xpath("string(transaction-type/@code)"),
            t.xpath("string(transaction-date/@iso-date)"),
            t.findtext("value"),
            t.xpath("string(value/@currency)"),
            t.xpath("string(value/@value-date)"),
        )
        for t in activity.xpath("transaction[@ref=$ref]", ref=reference)
    ]


def _approve(session: Session, kind: str, record_id: int) -> None:
    review.decide(session, CHECKER, kind, record_id, "approved")


def _all_checks(xml: bytes, folder: Path) -> list[str]:
    return (
        iati_checks.schema_errors(xml, folder / "schema" / "iati-activities-schema.xsd")
        + iati_checks.codelist_errors(xml, folder / "codelists")
        + iati_checks.ruleset_errors(xml, today=NOW.date())
    )


# --- the demo export against the official schema, codelists and rules ---------------------


def test_demo_export_validates_against_xsd_codelists_and_rules(
    programme_data: sessionmaker[Session], iati_data: Path
) -> None:
    xml = _export(programme_data)
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(xml)
    assert root.tag == "iati-activities"
    assert root.get("version") == "2.03"
    assert root.get("generated-datetime") == "2025-06-30T12:00:00+00:00"
    assert _all_checks(xml, iati_data) == []
    # what the checks looked at is really there
    assert root.xpath("count(//transaction)") == 9
    assert root.xpath("count(//result)") == 2
    assert root.xpath("count(//humanitarian-scope)") == 2


def test_official_examples_pass_and_the_should_fail_ones_fail(iati_data: Path) -> None:
    schema = iati_data / "schema" / "iati-activities-schema.xsd"
    examples = iati_data / "examples"
    should_pass = [
        *sorted(examples.glob("schema-test-*.xml")),
        examples / "activity-standard-example-annotated.xml",
    ]
    assert len(should_pass) == 5
    for example in should_pass:
        assert iati_checks.schema_errors(example.read_bytes(), schema) == [], example.name
    missing_title = iati_checks.schema_errors(
        (examples / "should-fail-missing-title-narrative.xml").read_bytes(), schema
    )
    assert missing_title and all(":" in message for message in missing_title)
    assert any("narrative" in message for message in missing_title)
    missing_value = iati_checks.schema_errors(
        (examples / "should-fail-budget-missing-value.xml").read_bytes(), schema
    )
    assert any("value" in message for message in missing_value)


def test_schema_errors_name_the_line_and_broken_xml_is_reported(iati_data: Path) -> None:
    schema = iati_data / "schema" / "iati-activities-schema.xsd"
    no_activity = b'<?xml version="1.0"?>\n<iati-activities version="2.03">\n</iati-activities>\n'
    errors = iati_checks.schema_errors(no_activity, schema)
    assert errors and errors[0].startswith("2: ")
    assert iati_checks.schema_errors(b"<iati-activities>", schema)[0].startswith("line 1:")


# --- hierarchy -----------------------------------------------------------------------------


def test_programmes_are_hierarchy_1_and_projects_hierarchy_2_with_links(
    programme_data: sessionmaker[Session],
) -> None:
    xml = _export(programme_data)
    root = etree.fromstring(xml)
    identifiers = root.xpath("iati-activity/iati-identifier/text()")
    assert identifiers == [
        f"{iati_export.IOFS_ORG_REF}-{code}" for code in ("AFSP", "AFSP-AFG", "F4H", "F4H-PSE")
    ]
    # AFSI has no start date: IATI requires one, so it is left out and said so
    assert any("AFSI left out" in str(c) for c in root.xpath("comment()"))
    for programme, project in (("AFSP", "AFSP-AFG"), ("F4H", "F4H-PSE")):
        parent, child = _activity(xml, programme), _activity(xml, project)
        assert parent.get("hierarchy") == "1" and child.get("hierarchy") == "2"
        assert [(r.get("type"), r.get("ref")) for r in parent.iterfind("related-activity")] == [
            ("2", f"{iati_export.IOFS_ORG_REF}-{project}")
        ]
        assert [(r.get("type"), r.get("ref")) for r in child.iterfind("related-activity")] == [
            ("1", f"{iati_export.IOFS_ORG_REF}-{programme}")
        ]
    afsp = _activity(xml, "AFSP")
    assert afsp.get("default-currency") == "USD"
    assert afsp.xpath("reporting-org/@ref") == [iati_export.IOFS_ORG_REF]
    assert afsp.xpath("reporting-org/@type") == ["40"]
    assert afsp.xpath("title/narrative[@xml:lang='ar']/text()") == [
        "برنامج الأمن الغذائي في أفغانستان"
    ]
    assert afsp.xpath("title/narrative[@xml:lang='fr']/text()") == [
        "Programme de sécurité alimentaire pour l'Afghanistan"
    ]
    # implementation since 2022: an actual start date; sector 100 % in DAC vocabulary 1
    assert afsp.xpath("activity-date/@type") == ["2"]
    assert [
        (s.get("vocabulary"), s.get("code"), s.get("percentage")) for s in afsp.iterfind("sector")
    ] == [("1", "31161", "100")]
    roles = {(p.get("role"), p.findtext("narrative")) for p in afsp.iterfind("participating-org")}
    assert {
        ("1", name) for name in ("Kazakhstan", "Tajikistan", "Türkiye", "Turkmenistan")
    } <= roles
    assert ("2", "Islamic Organization for Food Security") in roles
    # a state's ISO3 code is not an IATI organisation identifier: named, no ref
    kazakhstan = afsp.xpath("participating-org[narrative='Kazakhstan']")[0]
    assert kazakhstan.get("ref") is None and kazakhstan.get("type") == "10"


def test_registered_identifiers_are_used(programme_data: sessionmaker[Session]) -> None:
    with transaction(programme_data) as session:
        iofs = registry.organisation(session, "IOFS")
        iofs.iati_org_id = "XM-OCHA-IOFS-TEST"
        registry.put_organisation(
            session,
            MAKER,
            {"code": "XM-DAC-41140", "name": "World Food Programme", "kind": "un_agency"},
        )
        parent = contributions.by_reference(session, "F4H-GAZA-KAZ-1")
        allocation, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "reference": "T-WFP-1",
                "donor": "IOFS",
                "recipient": "XM-DAC-41140",
                "project": "F4H-PSE",
                "status": "paid",
                "decided_on": date(2025, 2, 1),
                "amount": "5000",
                "parent": parent.reference,
            },
        )
        _approve(session, "contribution", allocation.id)
    xml = _export(programme_data)
    gaza = etree.fromstring(xml).xpath(
        "iati-activity[iati-identifier='XM-OCHA-IOFS-TEST-F4H-PSE']"
    )[0]
    assert gaza.xpath("reporting-org/@ref") == ["XM-OCHA-IOFS-TEST"]
    assert gaza.xpath("related-activity/@ref") == ["XM-OCHA-IOFS-TEST-F4H"]
    wfp = gaza.xpath("transaction[@ref='T-WFP-1']/receiver-org")[0]
    assert wfp.get("ref") == "XM-DAC-41140" and wfp.get("type") == "40"
    assert "XM-DAC-41140" in gaza.xpath("participating-org[@role='4']/@ref")


# --- transactions --------------------------------------------------------------------------


def test_pledge_commitment_payment_are_transactions_13_11_1_in_original_currency(
    programme_data: sessionmaker[Session], iati_data: Path
) -> None:
    with transaction(programme_data) as session:
        contribution, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "reference": "T-EUR-1",
                "donor": "TUR",
                "project": "AFSP-AFG",
                "status": "pledge",
                "decided_on": date(2025, 1, 10),
                "currency": "EUR",
                "amount": "123456.78",
                "exchange_rate": "1.0832",
                "rate_date": date(2025, 1, 10),
                "rate_source": "ECB reference rate",
            },
        )
        _approve(session, "contribution", contribution.id)
        for status, day in (("commitment", date(2025, 2, 14)), ("paid", date(2025, 3, 3))):
            step = contributions.add_status(
                session, MAKER, "T-EUR-1", {"status": status, "dated": day}
            )
            _approve(session, "status", step.id)
    xml = _export(programme_data)
    assert _transactions(_activity(xml, "AFSP-AFG"), "T-EUR-1") == [
        ("13", "2025-01-10", "123456.78", "EUR", "2025-01-10"),
        ("11", "2025-02-14", "123456.78", "EUR", "2025-02-14"),
        ("1", "2025-03-03", "123456.78", "EUR", "2025-03-03"),
    ]
    paid = _activity(xml, "AFSP-AFG").xpath("transaction[@ref='T-EUR-1']")[-1]
    assert paid.xpath("provider-org/narrative[not(@xml:lang)]/text()") == ["Türkiye"]
    assert paid.xpath("receiver-org/@ref") == [iati_export.IOFS_ORG_REF]
    assert paid.xpath("receiver-org/@receiver-activity-id") == [
        f"{iati_export.IOFS_ORG_REF}-AFSP-AFG"
    ]
    assert _all_checks(xml, iati_data) == []


def test_allocations_are_12_2_3_and_payments_to_a_company_4(
    programme_data: sessionmaker[Session], iati_data: Path
) -> None:
    with transaction(programme_data) as session:
        registry.put_organisation(
            session, MAKER, {"code": "DEMO-MILL", "name": "Flour mill (test)", "kind": "private"}
        )
        parent, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "reference": "T-AZE-2",
                "donor": "AZE",
                "project": "F4H-PSE",
                "status": "paid",
                "decided_on": date(2025, 1, 20),
                "amount": "90000",
            },
        )
        _approve(session, "contribution", parent.id)
        partner, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "reference": "T-ALLOC-1",
                "donor": "IOFS",
                "recipient": "DEMO-PARTNER-GAZA",
                "project": "F4H-PSE",
                "status": "pledge",
                "decided_on": date(2025, 1, 25),
                "amount": "50000",
                "parent": "T-AZE-2",
            },
        )
        _approve(session, "contribution", partner.id)
        for status, day in (("commitment", date(2025, 2, 1)), ("paid", date(2025, 2, 20))):
            step = contributions.add_status(
                session, MAKER, "T-ALLOC-1", {"status": status, "dated": day}
            )
            _approve(session, "status", step.id)
        mill, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "reference": "T-MILL-1",
                "donor": "IOFS",
                "recipient": "DEMO-MILL",
                "project": "F4H-PSE",
                "status": "paid",
                "decided_on": date(2025, 3, 1),
                "amount": "12500.50",
                "parent": "T-AZE-2",
            },
        )
        _approve(session, "contribution", mill.id)
    xml = _export(programme_data)
    gaza = _activity(xml, "F4H-PSE")
    assert _transactions(gaza, "T-ALLOC-1") == [
        ("12", "2025-01-25", "50000.00", "USD", "2025-01-25"),
        ("2", "2025-02-01", "50000.00", "USD", "2025-02-01"),
        ("3", "2025-02-20", "50000.00", "USD", "2025-02-20"),
    ]
    assert _transactions(gaza, "T-MILL-1") == [("4", "2025-03-01", "12500.50", "USD", "2025-03-01")]
    # the demo allocation IOFS → partner (not new money) is a disbursement, not income
    assert [t[0] for t in _transactions(gaza, "F4H-GAZA-IOFS-PARTNER-1")] == ["3"]
    disbursement = gaza.xpath("transaction[@ref='T-ALLOC-1']")[-1]
    assert disbursement.xpath("provider-org/@ref") == [iati_export.IOFS_ORG_REF]
    assert disbursement.xpath("provider-org/@provider-activity-id") == [
        f"{iati_export.IOFS_ORG_REF}-F4H-PSE"
    ]
    assert disbursement.xpath("receiver-org/narrative/text()") == [
        "Implementing partner in Gaza (illustrative)"
    ]
    # the partner implements; the mill is a supplier, not a participant
    implementers = gaza.xpath("participating-org[@role='4']/narrative/text()")
    assert implementers == ["Implementing partner in Gaza (illustrative)"]
    assert _all_checks(xml, iati_data) == []


def test_pending_rejected_and_future_figures_are_not_exported(
    programme_data: sessionmaker[Session], iati_data: Path
) -> None:
    with transaction(programme_data) as session:
        contributions.put_contribution(
            session,
            MAKER,
            {
                "reference": "T-PENDING",
                "donor": "BGD",
                "project": "F4H-PSE",
                "status": "paid",
                "decided_on": date(2025, 2, 2),
                "amount": "777",
            },
        )
        rejected, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "reference": "T-REJECTED",
                "donor": "BGD",
                "project": "F4H-PSE",
                "status": "paid",
                "decided_on": date(2025, 2, 3),
                "amount": "888",
            },
        )
        review.decide(session, CHECKER, "contribution", rejected.id, "rejected", "duplicate")
        approved, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "reference": "T-STEPS",
                "donor": "TKM",
                "project": "F4H-PSE",
                "status": "pledge",
                "decided_on": date(2025, 2, 4),
                "amount": "999",
            },
        )
        _approve(session, "contribution", approved.id)
        contributions.add_status(
            session, MAKER, "T-STEPS", {"status": "commitment", "dated": date(2025, 3, 1)}
        )
        later, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "reference": "T-LATER",
                "donor": "TKM",
                "project": "F4H-PSE",
                "status": "pledge",
                "decided_on": date(2025, 7, 15),
                "amount": "555",
            },
        )
        _approve(session, "contribution", later.id)
    xml = _export(programme_data)
    gaza = _activity(xml, "F4H-PSE")
    assert _transactions(gaza, "T-PENDING") == []
    assert _transactions(gaza, "T-REJECTED") == []
    # the approved pledge is there, its pending commitment not
    assert _transactions(gaza, "T-STEPS") == [("13", "2025-02-04", "999.00", "USD", "2025-02-04")]
    # a pledge dated after the export would break rule 11.2.1: left out, said so
    assert _transactions(gaza, "T-LATER") == []
    assert any("T-LATER" in str(c) for c in etree.fromstring(xml).xpath("comment()"))
    assert "Turkmenistan" in gaza.xpath("participating-org[@role='1']/narrative/text()")
    assert _all_checks(xml, iati_data) == []


# --- humanitarian scope, country, results --------------------------------------------------


def test_gaza_project_is_humanitarian_with_the_appeal_and_palestine_as_ps(
    programme_data: sessionmaker[Session],
) -> None:
    xml = _export(programme_data)
    gaza = _activity(xml, "F4H-PSE")
    assert gaza.get("humanitarian") == "1"
    assert gaza.xpath("recipient-country/@code") == ["PS"]
    scopes = gaza.xpath("humanitarian-scope")
    assert [(s.get("type"), s.get("vocabulary"), s.get("code")) for s in scopes] == [
        ("2", "99", "F4H-GAZA")
    ]
    assert scopes[0].get("vocabulary-uri") == iati_export.APPEAL_VOCABULARY_URI
    assert scopes[0].findtext("narrative") == '"Flour for Humanity" Gaza Emergency Appeal'
    assert scopes[0].xpath("narrative[@xml:lang='fr']/text()") == [
        "Appel d'urgence pour Gaza « De la farine pour l'humanité »"
    ]
    assert _activity(xml, "AFSP-AFG").get("humanitarian") is None
    assert _activity(xml, "AFSP-AFG").xpath("recipient-country/@code") == ["AF"]


def test_a_glide_number_is_an_emergency_in_the_glide_vocabulary(
    programme_data: sessionmaker[Session], iati_data: Path
) -> None:
    with transaction(programme_data) as session:
        registry.programme(session, "F4H").emergency = "CE-2023-000200-PSE"
    xml = _export(programme_data)
    scopes = _activity(xml, "F4H").xpath("humanitarian-scope")
    assert [(s.get("type"), s.get("vocabulary"), s.get("code")) for s in scopes] == [
        ("1", "1-2", "CE-2023-000200-PSE"),
        ("2", "99", "F4H-GAZA"),
    ]
    assert _all_checks(xml, iati_data) == []


def test_results_have_baseline_targets_actuals_and_dimensions(
    programme_data: sessionmaker[Session], iati_data: Path
) -> None:
    with transaction(programme_data) as session:
        found = _indicator(session, "AFSP-AFG")
        for kind, value, approve in (
            ("actual", "400", True),
            ("target", "600", True),
            ("actual", "123", False),
        ):
            row = results.put_value(
                session,
                MAKER,
                found,
                {
                    "period_start": date(2024, 1, 1),
                    "period_end": date(2024, 12, 31),
                    "kind": kind,
                    "value": value,
                    "dimension": "sex",
                    "dimension_value": "female" if approve else "male",
                },
            )
            if approve:
                _approve(session, "indicator_value", row.id)
    xml = _export(programme_data)
    indicator_element = _activity(xml, "AFSP-AFG").xpath("result/indicator")[0]
    result = indicator_element.getparent()
    assert result.get("type") == "1"
    assert indicator_element.get("measure") == "1"
    assert indicator_element.get("ascending") == "1"
    assert [(b.get("year"), b.get("value")) for b in indicator_element.iterfind("baseline")] == [
        ("2022", "0")
    ]
    periods = indicator_element.xpath("period")
    assert [
        (p.xpath("string(period-start/@iso-date)"), p.xpath("string(period-end/@iso-date)"))
        for p in periods
    ] == [("2023-01-01", "2023-12-31"), ("2024-01-01", "2024-12-31")]
    assert [(c.tag, c.get("value")) for c in periods[0].xpath("target|actual")] == [
        ("target", "1200"),
        ("actual", "950"),
    ]
    # disaggregated values as dimensions; the pending male actual is not exported
    assert [
        (
            c.tag,
            c.get("value"),
            c.xpath("string(dimension/@name)"),
            c.xpath("string(dimension/@value)"),
        )
        for c in periods[1].xpath("target|actual")
    ] == [("target", "600", "sex", "female"), ("actual", "400", "sex", "female")]
    # the programme indicator without values of its own carries the roll-up, not aggregable
    programme_result = _activity(xml, "AFSP").xpath("result")[0]
    assert programme_result.get("aggregation-status") == "0"
    assert programme_result.xpath("indicator/period/actual/@value") == ["950"]
    assert _all_checks(xml, iati_data) == []


def _indicator(session: Session, project_code: str) -> int:
    from sqlalchemy import select

    from iofs.programmes.models import Indicator

    project = registry.project(session, project_code)
    return session.execute(
        select(Indicator.id).where(Indicator.project_id == project.id)
    ).scalar_one()


# --- the checks catch what they should -----------------------------------------------------

BROKEN = b"""<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
 <iati-activity default-currency="USD" xml:lang="en" hierarchy="2">
  <iati-identifier>XI-IATI-IOFS-X</iati-identifier>
  <reporting-org ref="XI-IATI-IOFS" type="40"><narrative>IOFS</narrative></reporting-org>
  <title><narrative>X</narrative></title>
  <description><narrative>X</narrative></description>
  <participating-org role="9" type="40"><narrative>IOFS</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="2" iso-date="2025-09-01"/>
  <activity-date type="4" iso-date="2025-03-01"/>
  <recipient-country code="PSE"/>
  <sector vocabulary="1" code="72040" percentage="60"/>
  <sector vocabulary="1" code="31161" percentage="30"/>
  <humanitarian-scope type="7" vocabulary="99" code="A"/>
  <transaction>
   <transaction-type code="14"/>
   <transaction-date iso-date="2025-08-01"/>
   <value currency="XXY">10</value>
  </transaction>
  <result type="1">
   <title><narrative>R</narrative></title>
   <indicator measure="1"><title><narrative>I</narrative></title>
    <period><period-start iso-date="2025-12-31"/><period-end iso-date="2025-01-01"/>
     <target/></period>
   </indicator>
  </result>
 </iati-activity>
</iati-activities>
"""


def test_codelist_errors_name_each_unknown_code(iati_data: Path) -> None:
    errors = iati_checks.codelist_errors(
        BROKEN.replace(b'xml:lang="en"', b'xml:lang="xx"'), iati_data / "codelists"
    )
    joined = "\n".join(errors)
    for expected in (
        "participating-org/@role = '9': not in the IATI OrganisationRole",
        "recipient-country/@code = 'PSE': not in the IATI Country",
        "humanitarian-scope/@type = '7': not in the IATI HumanitarianScopeType",
        "transaction-type/@code = '14': not in the IATI TransactionType",
        "value/@currency = 'XXY': not in the IATI Currency",
        "iati-activity/@xml:lang = 'xx': not in the IATI Language",
    ):
        assert expected in joined
    assert errors[0].split(":")[0].isdigit()  # starts with the line
    assert len(errors) == 6
    withdrawn = iati_checks.codelist_errors(
        BROKEN.replace(b'code="31161"', b'code="11321"'), iati_data / "codelists"
    )
    assert any("'11321': withdrawn from the IATI Sector codelist" in e for e in withdrawn)
    missing = iati_checks.codelist_errors(BROKEN, iati_data)  # not the codelists folder
    assert any("The IATI codelist Sector is missing" in e for e in missing)


def test_ruleset_errors_find_the_broken_rules() -> None:
    errors = iati_checks.ruleset_errors(BROKEN, today=date(2025, 6, 30))
    rules = sorted({message.split()[1] for message in errors})
    assert rules == sorted(["2.1.2", "11.1.3", "11.1.4", "11.2.1", "value-date", "8.6.1", "8.9.1"])
    assert all(message.startswith("XI-IATI-IOFS-X: ") for message in errors)
    # sectors adding up to 100, dates in order and in the past: those rules are met
    fixed = BROKEN.replace(b'percentage="30"', b'percentage="40"').replace(
        b"2025-09-01", b"2025-01-01"
    )
    later = iati_checks.ruleset_errors(fixed, today=date(2025, 9, 30))
    assert sorted({message.split()[1] for message in later}) == ["8.6.1", "8.9.1", "value-date"]


def test_the_rules_checked_are_the_validators(iati_data: Path) -> None:
    ruleset = json.loads((iati_data / "rulesets" / "standard.json").read_text())
    messages: dict[str, set[str]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            info = node.get("ruleInfo")
            if isinstance(info, dict):
                messages.setdefault(info["id"], set()).add(info["message"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(ruleset)
    for rule, message in iati_checks.RULES.items():
        assert message in messages.get(rule, set()), rule
