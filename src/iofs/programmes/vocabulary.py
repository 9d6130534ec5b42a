"""The programme module's code lists, with their IATI 2.03 and FTS equivalents.

References: IATI codelists TransactionType, ActivityStatus, OrganisationType, ResultType,
IndicatorMeasure, EarmarkingCategory (https://iatistandard.org/en/iati-standard/203/codelists/);
OCHA FTS flow statuses (pledge, commitment, paid).
"""

from __future__ import annotations

from typing import Literal, get_args

from iofs.i18n import N_

# The allowed values of each choice, once: the input shapes (:mod:`iofs.programmes.schemas`)
# use the Literal types, the services and exports the tuples derived from them.
ContributionStatus = Literal["pledge", "commitment", "paid"]
PipelineStage = Literal["pledged", "procured", "dispatched", "received", "distributed"]
ActivityStatus = Literal[
    "pipeline", "implementation", "finalisation", "closed", "cancelled", "suspended"
]
OrganisationKind = Literal[
    "state", "iofs", "un_agency", "intergovernmental", "ngo", "private", "other"
]
Modality = Literal["cash", "in_kind"]
QuantityUnit = Literal["", "t", "kg", "mt"]
ValuationMethod = Literal["", "market_price", "donor_declared", "invoice", "other"]
Earmarking = Literal["unearmarked", "softly", "earmarked", "tightly"]
BeneficiaryMeasure = Literal["targeted", "reached"]
BeneficiaryUnit = Literal["people", "households"]
Sex = Literal["all", "female", "male"]
AgeGroup = Literal["all", "0-4", "5-17", "18-59", "60+"]
IndicatorMeasure = Literal["unit", "percentage"]
ResultType = Literal["output", "outcome"]
Aggregation = Literal["sum", "mean"]
ValueKind = Literal["target", "actual"]
ActivityKind = Literal["training", "workshop", "field_day", "study_visit"]
ReviewDecision = Literal["approved", "rejected"]

#: Contribution statuses in the order a contribution moves through them.
CONTRIBUTION_STATUSES: tuple[str, ...] = get_args(ContributionStatus)
#: Statuses that count toward coverage (FTS: pledges are shown but never counted as funding).
FUNDING_STATUSES = ("commitment", "paid")

#: Consignment pipeline stages, in order.
PIPELINE_STAGES: tuple[str, ...] = get_args(PipelineStage)

#: Activity statuses in IATI ActivityStatus order.
ACTIVITY_STATUSES: tuple[str, ...] = get_args(ActivityStatus)
#: IATI ActivityStatus codes.
IATI_ACTIVITY_STATUS = {status: str(code) for code, status in enumerate(ACTIVITY_STATUSES, 1)}

#: IATI OrganisationType code for each kind of organisation.
IATI_ORGANISATION_TYPE = {
    "state": "10",
    "iofs": "40",
    "un_agency": "40",
    "intergovernmental": "40",
    "ngo": "21",
    "private": "70",
    "other": "90",
}

#: IATI ResultType and IndicatorMeasure codes.
IATI_RESULT_TYPE = {"output": "1", "outcome": "2"}
IATI_INDICATOR_MEASURE = {"unit": "1", "percentage": "2"}
#: Kinds of indicator value, in the order IATI periods list them.
VALUE_KINDS: tuple[str, ...] = get_args(ValueKind)

#: OECD DAC purpose codes the IOFS programmes use (IATI Sector vocabulary 1).
SECTORS = {
    "31110": N_("Agricultural policy and administrative management"),
    "31120": N_("Agricultural development"),
    "31161": N_("Food crop production"),
    "31166": N_("Agricultural extension"),
    "31181": N_("Agricultural education/training"),
    "31191": N_("Agricultural services"),
    "31150": N_("Agricultural inputs"),
    "43071": N_("Food security policy and administrative management"),
    "43072": N_("Household food security programmes"),
    "52010": N_("Food assistance"),
    "72040": N_("Emergency food assistance"),
    "74020": N_("Multi-hazard response preparedness"),
}

#: Units a quantity may be entered in, with their size in tonnes.
TONNES_PER_UNIT = {"t": 1, "kg": 0.001, "mt": 1}

LABELS = {
    "pledge": N_("pledge"),
    "commitment": N_("commitment"),
    "paid": N_("paid"),
    "cash": N_("cash"),
    "in_kind": N_("in kind"),
    "unearmarked": N_("unearmarked"),
    "softly": N_("softly earmarked"),
    "earmarked": N_("earmarked"),
    "tightly": N_("tightly earmarked"),
    "market_price": N_("market price"),
    "donor_declared": N_("declared by the donor"),
    "invoice": N_("invoice"),
    "other": N_("other"),
    "pledged": N_("pledged"),
    "procured": N_("procured"),
    "dispatched": N_("dispatched"),
    "received": N_("received"),
    "distributed": N_("distributed"),
    "targeted": N_("targeted"),
    "reached": N_("reached"),
    "people": N_("people"),
    "households": N_("households"),
    "all": N_("all"),
    "female": N_("female"),
    "male": N_("male"),
    "pipeline": N_("pipeline"),
    "implementation": N_("implementation"),
    "finalisation": N_("finalisation"),
    "closed": N_("closed"),
    "cancelled": N_("cancelled"),
    "suspended": N_("suspended"),
    "state": N_("state"),
    "iofs": N_("IOFS"),
    "un_agency": N_("UN agency"),
    "intergovernmental": N_("intergovernmental organisation"),
    "ngo": N_("non-governmental organisation"),
    "private": N_("private company"),
    "training": N_("training"),
    "workshop": N_("workshop"),
    "field_day": N_("field day"),
    "study_visit": N_("study visit"),
    "output": N_("output"),
    "outcome": N_("outcome"),
    "unit": N_("unit"),
    "percentage": N_("percentage"),
    "sum": N_("sum"),
    "mean": N_("mean"),
    "target": N_("target"),
    "actual": N_("actual"),
    "pending": N_("awaiting approval"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
}
