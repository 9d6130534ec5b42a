"""Checks of an IATI 2.03 activity file, as the IATI Validator makes them: the XSD, the
codelists and the Validator rules that concern what :mod:`iofs.programmes.exchange.iati_export`
emits.

Standard: IATI Activity Standard, version 2.03; schema ``iati-activities-schema.xsd``
(IATI-Schemas, branch version-2.03); codes from the 2.03 codelists
(https://iatistandard.org/en/iati-standard/203/codelists/); rules from the IATI Validator's
ruleset ``standard.json`` (IATI-Rulesets, version-2.03).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from iofs.i18n import gettext as _
from iofs.programmes.exchange.iati_export import XML_LANG


@lru_cache(maxsize=4)
def _schema(schema_path: str) -> Any:
    return etree.XMLSchema(etree.parse(schema_path))


def _parse(xml: bytes) -> tuple[Any, list[str]]:
    try:
        return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True)), []
    except etree.XMLSyntaxError as error:
        return None, [
            _("line %(line)d: the file is not well-formed XML: %(error)s")
            % {"line": error.lineno or 0, "error": error.msg}
        ]


def schema_errors(xml: bytes, schema_path: Path) -> list[str]:
    """Messages ("line: message") of validating ``xml`` against the IATI activities XSD at
    ``schema_path`` (kept in its folder beside ``iati-common.xsd`` and ``xml.xsd``, which it
    includes); empty when valid."""
    root, errors = _parse(xml)
    if root is None:
        return errors
    schema = _schema(str(schema_path))
    if schema.validate(root):
        return []
    return [f"{error.line}: {error.message}" for error in schema.error_log]


#: Coded attributes of the export and their IATI 2.03 codelist (XPath from iati-activity).
CODED_ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("transaction/transaction-type/@code", "TransactionType"),
    ("activity-status/@code", "ActivityStatus"),
    ("activity-date/@type", "ActivityDateType"),
    ("participating-org/@role", "OrganisationRole"),
    ("reporting-org/@type", "OrganisationType"),
    ("participating-org/@type", "OrganisationType"),
    ("transaction/provider-org/@type", "OrganisationType"),
    ("transaction/receiver-org/@type", "OrganisationType"),
    ("sector[not(@vocabulary) or @vocabulary='1']/@code", "Sector"),
    ("transaction/sector[not(@vocabulary) or @vocabulary='1']/@code", "Sector"),
    ("recipient-country/@code", "Country"),
    ("transaction/recipient-country/@code", "Country"),
    ("@default-currency", "Currency"),
    (".//value/@currency", "Currency"),
    ("humanitarian-scope/@type", "HumanitarianScopeType"),
    ("humanitarian-scope/@vocabulary", "HumanitarianScopeVocabulary"),
    ("result/@type", "ResultType"),
    ("result/indicator/@measure", "IndicatorMeasure"),
    ("related-activity/@type", "RelatedActivityType"),
    ("descendant-or-self::*/@xml:lang", "Language"),
)


@lru_cache(maxsize=64)
def _codelist(path: str) -> tuple[frozenset[str], frozenset[str]]:
    """(active codes, withdrawn codes) of one codelist file."""
    tree = etree.parse(path)
    active: set[str] = set()
    withdrawn: set[str] = set()
    for item in tree.iterfind("codelist-items/codelist-item"):
        code = (item.findtext("code") or "").strip()
        (withdrawn if item.get("status") == "withdrawn" else active).add(code)
    return frozenset(active), frozenset(withdrawn)


def _codelist_file(codelist_dir: Path, name: str) -> Path | None:
    for folder in ("embedded", "non-embedded", ""):
        candidate = codelist_dir / folder / f"{name}.xml"
        if candidate.is_file():
            return candidate
    return None


def codelist_errors(xml: bytes, codelist_dir: Path) -> list[str]:
    """Every coded attribute the export emits checked against the IATI 2.03 codelists in
    ``codelist_dir`` (``embedded/`` and ``non-embedded/`` folders of ``<Name>.xml`` files, as
    IATI-Codelists and IATI-Codelists-NonEmbedded publish them); withdrawn codes count as
    errors too. Empty when every code is on its list."""
    root, errors = _parse(xml)
    if root is None:
        return errors
    lists: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    for name in dict.fromkeys(name for _path, name in CODED_ATTRIBUTES):
        found = _codelist_file(codelist_dir, name)
        if found is None:
            errors.append(
                _("The IATI codelist %(codelist)s is missing from %(folder)s.")
                % {"codelist": name, "folder": str(codelist_dir)}
            )
        else:
            lists[name] = _codelist(str(found))
    for activity in root.iterfind("iati-activity"):
        for path, name in CODED_ATTRIBUTES:
            if name not in lists:
                continue
            active, withdrawn = lists[name]
            for value in activity.xpath(path):
                code = str(value)
                if code in active:
                    continue
                owner = value.getparent()
                attribute = str(value.attrname).replace(XML_LANG, "xml:lang")
                where = f"{owner.sourceline}: {owner.tag}/@{attribute}"
                if code in withdrawn:
                    errors.append(f"{where} = {code!r}: withdrawn from the IATI {name} codelist")
                else:
                    errors.append(f"{where} = {code!r}: not in the IATI {name} codelist")
    return errors


#: The IATI Validator rules (rulesets/standard.json, version-2.03) checked by
#: :func:`ruleset_errors`, by rule id, with the ruleset's message.
RULES = {
    "1.1.3": "The activity identifier must be different to the organisation identifier of "
    "the reporting organisation.",
    "1.1.21": "The activity identifier should begin with your IATI organisation identifier "
    "(either the current IATI Organisation identifier for the reporting "
    "organisation or a previous version included in other-identifier element) "
    "followed by a unique string for the activity separated by a hyphen",
    "2.1.1": "When multiple sectors, within a vocabulary (e.g. 1 - OECD DAC) are declared, "
    "each must have a percentage.",
    "2.1.2": "Percentage values for sectors, within a vocabulary (e.g. 1 - OECD DAC), must add "
    "up to 100%.",
    "2.1.4": "When a single sector is declared, the percentage must either be omitted, or set "
    "to 100.",
    "3.1.2": "Percentage values for recipient countries, must add up to 100%.",
    "4.1.1": "The activity should specify a default language OR the language must be "
    "specified for each narrative element.",
    "4.3.1": "The title must contain narrative content.",
    "4.4.1": "The description must contain narrative content.",
    "6.2.2": "Each activity must have a specified sector, either at activity level OR for all "
    "transactions.",
    "6.9.1": "The provider organisation must have an organisation identifier or a narrative.",
    "6.9.2": "The receiver organisation must have an organisation identifier or a narrative.",
    "6.10.1": "The participating organisation must have an identifier or a narrative.",
    "6.11.1": "The activity must have a planned start date or an actual start date.",
    "7.8.1": "The activity should specify a default currency OR the currency must be "
    "specified for each monetary value.",
    "8.6.1": "The start date of the indicator period must be before the end date of the "
    "indicator period.",
    "8.8.1": "The baseline must have a value when the indicator measure is non-qualitative "
    "(e.g. 1 = unit, 2 = percentage, 3 = nominal, 4 = ordinal).",
    "8.9.1": "The target must have a value when indicator measure is non-qualitative (e.g. 1 "
    "= unit, 2 = percentage, 3 = nominal, 4 = ordinal).",
    "8.10.1": "The actual must have a value when the indicator measure is non-qualitative "
    "(e.g. 1 = unit, 2 = percentage, 3 = nominal, 4 = ordinal).",
    "11.1.1": "The last updated datetime of the activity must not be in the future.",
    "11.1.2": "The planned start date of the activity must be before the planned end date.",
    "11.1.3": "The actual start date of the activity must be before the actual end date.",
    "11.1.4": "The actual start date of the activity must not be in the future.",
    "11.1.5": "The actual end date of the activity must not be in the future.",
    "11.2.1": "The transaction date must not be in the future.",
    "11.2.2": "The transaction value date must not be in the future.",
}
#: Not a ruleset rule but required by the 2.03 schema (currencyType: value-date required).
VALUE_DATE = "The transaction value must have a value-date."


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip())
    except (ArithmeticError, ValueError):
        return None


def _has_text(elements: Iterable[Any]) -> bool:
    return any((element.text or "").strip() for element in elements)


def ruleset_errors(xml: bytes, *, today: date | None = None) -> list[str]:
    """Violations of the IATI Validator rules (:data:`RULES`, from the ruleset
    ``standard.json``) that concern what :func:`activities_xml` emits: sector percentages per
    vocabulary add up to 100, start dates before end dates, no actual date, transaction date
    or value date in the future (after ``today``, default today UTC), every transaction value
    with a value-date, languages, currencies, organisations, results. Each message starts
    with the activity's identifier and the rule id; empty when none is broken."""
    root, errors = _parse(xml)
    if root is None:
        return errors
    now = today or datetime.now(UTC).date()
    for activity in root.iterfind("iati-activity"):
        identifier = (activity.findtext("iati-identifier") or "").strip()

        def broken(rule: str, detail: str = "", where: str = identifier) -> None:
            message = RULES.get(rule, VALUE_DATE if rule == "value-date" else rule)
            errors.append(f"{where}: {rule} {message}" + (f" ({detail})" if detail else ""))

        _identifier_rules(activity, identifier, broken)
        _sector_rules(activity, broken)
        _date_rules(activity, now, broken)
        _text_rules(activity, broken)
        _result_rules(activity, broken)
    return errors


def _identifier_rules(activity: Any, identifier: str, broken: Any) -> None:
    reporting = (activity.xpath("string(reporting-org/@ref)") or "").strip()
    if reporting and identifier == reporting:
        broken("1.1.3")
    if reporting and not identifier.startswith(reporting + "-"):
        broken("1.1.21")


def _sector_rules(activity: Any, broken: Any) -> None:
    by_vocabulary: dict[str, list[Any]] = defaultdict(list)
    for sector in activity.iterfind("sector"):
        by_vocabulary[sector.get("vocabulary") or "1"].append(sector)
    for vocabulary, sectors in by_vocabulary.items():
        given = [s.get("percentage") for s in sectors]
        shares = [_decimal(text) for text in given if text is not None]
        if len(sectors) == 1:
            if given[0] is not None and shares != [Decimal(100)]:
                broken("2.1.4", f"vocabulary {vocabulary}: {given[0]}")
            continue
        total = sum((share for share in shares if share is not None), Decimal(0))
        if len(shares) < len(sectors):
            broken("2.1.1", f"vocabulary {vocabulary}")
        elif None in shares or total != 100:
            broken("2.1.2", f"vocabulary {vocabulary}: {total}")
    if not activity.xpath("sector") and not activity.xpath("transaction/sector"):
        broken("6.2.2")
    countries = activity.xpath("recipient-country")
    if len(countries) > 1 and not activity.xpath("recipient-region"):
        total = sum(
            (_decimal(c.get("percentage") or "0") or Decimal(0) for c in countries), Decimal(0)
        )
        if total != 100:
            broken("3.1.2", str(total))


def _date_rules(activity: Any, now: date, broken: Any) -> None:
    def dates(kind: str) -> list[date]:
        return [
            d
            for d in (
                _date(text) for text in activity.xpath(f"activity-date[@type='{kind}']/@iso-date")
            )
            if d is not None
        ]

    if not dates("1") and not dates("2"):
        broken("6.11.1")
    for rule, starts, ends in (("11.1.2", "1", "3"), ("11.1.3", "2", "4")):
        for start in dates(starts):
            for end in dates(ends):
                if end < start:
                    broken(rule, f"{start.isoformat()} > {end.isoformat()}")
    for rule, kind in (("11.1.4", "2"), ("11.1.5", "4")):
        for day in dates(kind):
            if day > now:
                broken(rule, day.isoformat())
    updated = activity.get("last-updated-datetime")
    if updated and (_date(updated) or now) > now:
        broken("11.1.1", updated)
    for transaction in activity.iterfind("transaction"):
        ref = transaction.get("ref") or f"line {transaction.sourceline}"
        for text in transaction.xpath("transaction-date/@iso-date"):
            when = _date(text)
            if when is not None and when > now:
                broken("11.2.1", f"{ref}: {text}")
        for value in transaction.iterfind("value"):
            value_date = value.get("value-date")
            if not value_date:
                broken("value-date", ref)
            elif (_date(value_date) or now) > now:
                broken("11.2.2", f"{ref}: {value_date}")


def _text_rules(activity: Any, broken: Any) -> None:
    if activity.get(XML_LANG) is None and activity.xpath(".//narrative[not(@xml:lang)]"):
        broken("4.1.1")
    if activity.get("default-currency") is None and activity.xpath(".//value[not(@currency)]"):
        broken("7.8.1")
    for title in activity.xpath("title"):
        if not _has_text(title.iterfind("narrative")):
            broken("4.3.1")
    for description in activity.xpath("description"):
        if not _has_text(description.iterfind("narrative")):
            broken("4.4.1")
    for path, rule in (
        ("transaction/provider-org", "6.9.1"),
        ("transaction/receiver-org", "6.9.2"),
        ("participating-org", "6.10.1"),
    ):
        for org in activity.xpath(path):
            if not org.get("ref") and not _has_text(org.iterfind("narrative")):
                broken(rule, f"line {org.sourceline}")


def _result_rules(activity: Any, broken: Any) -> None:
    for indicator in activity.xpath("result/indicator"):
        for period in indicator.iterfind("period"):
            start = _date(period.xpath("string(period-start/@iso-date)"))
            end = _date(period.xpath("string(period-end/@iso-date)"))
            if start and end and end < start:
                broken("8.6.1", f"{start.isoformat()} > {end.isoformat()}")
        if indicator.get("measure") not in ("1", "2", "3", "4"):
            continue
        for path, rule in (
            ("baseline", "8.8.1"),
            ("period/target", "8.9.1"),
            ("period/actual", "8.10.1"),
        ):
            for element in indicator.xpath(path):
                if element.get("value") is None:
                    broken(rule, f"line {element.sourceline}")
