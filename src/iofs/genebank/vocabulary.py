"""The gene bank's code lists: every choice a form, the API, the CLI or a rule offers, once.

References: FAO Genebank Standards for Plant Genetic Resources (2014) for collections and
lots, the ITPGRFA Standard Material Transfer Agreement (SMTA, 2006) for distributions, and the
MCPD V.2.1 code lists (codes in :mod:`iofs.genebank.mcpd`, labels here).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

from iofs.i18n import N_

#: Seed collections (FAO Genebank Standards 4.1), with their names: base (long term) and
#: active.
COLLECTIONS = {"base": N_("base collection"), "active": N_("active collection")}
#: Where a seed lot came from.
ORIGINS = {
    "acquisition": N_("acquisition"),
    "harvest": N_("harvest"),
    "regeneration": N_("regeneration"),
}
#: Why a sample is requested (SMTA reporting).
PURPOSES = {
    "research": N_("research"),
    "breeding": N_("breeding"),
    "training": N_("training"),
    "conservation": N_("conservation"),
}
#: The agreement a sample is sent under: the SMTA (its name is not translated) or the
#: provider's own MTA.
MTA_TYPES = {"smta": "SMTA", "own": N_("own MTA")}

#: How an SMTA is concluded (SMTA art. 10) and the Easy-SMTA ``type`` code of each: signed,
#: shrink-wrap (accepted by opening the package) or click-wrap (accepted on line).
SMTA_FORMS = {
    "signed": N_("signed"),
    "shrink-wrap": N_("shrink-wrap"),
    "click-wrap": N_("click-wrap"),
}
EASY_SMTA_TYPES = {"signed": "si", "shrink-wrap": "sw", "click-wrap": "cw"}

#: Scales of a characterization or evaluation trait.
TRAIT_SCALES = {"numeric": N_("numeric"), "ordinal": N_("ordinal"), "nominal": N_("nominal")}

#: Distribution states and their names (translated where shown), in workflow order.
DISTRIBUTION_STATES = {
    "requested": N_("requested"),
    "ordered": N_("ordered"),
    "shipped": N_("shipped"),
    "cancelled": N_("cancelled"),
}

#: Why a lot is in the regeneration queue, and how much each weighs in the urgency score.
REASON_WEIGHTS = {
    "below_85pct_of_initial": 8,
    "below_three_sowings": 4,
    "past_predicted_date": 2,
    "test_overdue": 1,
    "never_tested": 1,
}
REASON_LABELS = {
    "below_85pct_of_initial": N_("viability below 85 percent of initial"),
    "below_three_sowings": N_("stock below three sowings"),
    "past_predicted_date": N_("past the predicted regeneration date"),
    "test_overdue": N_("germination test overdue"),
    "never_tested": N_("never tested"),
}

#: MCPD V.2.1 SAMPSTAT (biological status of accession) labels.
SAMPSTAT_LABELS = {
    "100": N_("Wild"),
    "110": N_("Natural"),
    "120": N_("Semi-natural/wild"),
    "130": N_("Semi-natural/sown"),
    "200": N_("Weedy"),
    "300": N_("Traditional cultivar/landrace"),
    "400": N_("Breeding/research material"),
    "410": N_("Breeder's line"),
    "411": N_("Synthetic population"),
    "412": N_("Hybrid"),
    "413": N_("Founder stock/base population"),
    "414": N_("Inbred line"),
    "415": N_("Segregating population"),
    "416": N_("Clonal selection"),
    "420": N_("Genetic stock"),
    "421": N_("Mutant"),
    "422": N_("Cytogenetic stock"),
    "423": N_("Other genetic stock"),
    "500": N_("Advanced or improved cultivar"),
    "600": N_("GMO"),
    "999": N_("Other"),
}
#: MCPD V.2.1 STORAGE (type of germplasm storage) labels, as FAO WIEWS reports them.
STORAGE_LABELS = {
    "10": "Seed collection",
    "11": "Short term",
    "12": "Medium term",
    "13": "Long term",
    "20": "Field collection",
    "30": "In vitro collection",
    "40": "Cryopreserved collection",
    "50": "DNA collection",
    "99": "Other",
}

#: Passport export formats: MCPD CSV, MCPD XLSX, Genesys accession JSON, WIEWS / SDG 2.5.1
#: counts.
ExportFormat = Literal["mcpd", "mcpd-xlsx", "genesys-json", "wiews"]
EXPORT_FORMATS: tuple[str, ...] = get_args(ExportFormat)


def one_of(choices: Iterable[str]) -> str:
    """A regular expression matching exactly one of ``choices`` (for schema fields)."""
    return "^(" + "|".join(choices) + ")$"


#: MCPD V.2.1 COLLSRC (collecting/acquisition source) labels, English as the standard gives
#: them (shown beside the codes in mapping templates).
COLLSRC_LABELS = {
    "10": "Wild habitat",
    "11": "Forest or woodland",
    "12": "Shrubland",
    "13": "Grassland",
    "14": "Desert or tundra",
    "15": "Aquatic habitat",
    "20": "Farm or cultivated habitat",
    "21": "Field",
    "22": "Orchard",
    "23": "Backyard, kitchen or home garden",
    "24": "Fallow land",
    "25": "Pasture",
    "26": "Farm store",
    "27": "Threshing floor",
    "28": "Park",
    "30": "Market or shop",
    "40": "Institute, experimental station, research organization, genebank",
    "50": "Seed company",
    "60": "Weedy, disturbed or ruderal habitat",
    "61": "Roadside",
    "62": "Field margin",
    "99": "Other",
}
#: MCPD V.2.1 MLSSTAT (status under the Treaty's Multilateral System) labels.
MLSSTAT_LABELS = {"0": "No (not included)", "1": "Yes (included)", "99": "Other"}
