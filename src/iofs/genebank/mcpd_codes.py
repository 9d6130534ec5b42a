"""MCPD V.2.1 descriptors and code lists (Alercia, Diulgheroff & Mackay, 2015, FAO/Bioversity
Multi-Crop Passport Descriptors V.2.1), the words legacy passport files use for the codes,
and the lengths iofs stores.

Codes only here; their labels in the pages' languages are in :mod:`iofs.genebank.vocabulary`.
"""

from __future__ import annotations

from iofs import countries

#: The 41 MCPD V.2.1 descriptors in the standard's order, then the ACCEURL extension
#: (Genesys/EURISCO). name -> (type, multi-valued, code list or None).
DESCRIPTORS: dict[str, tuple[str, bool, str | None]] = {
    "PUID": ("text", False, None),
    "INSTCODE": ("text", False, None),
    "ACCENUMB": ("text", False, None),
    "COLLNUMB": ("text", False, None),
    "COLLCODE": ("text", True, None),
    "COLLNAME": ("text", True, None),
    "COLLINSTADDRESS": ("text", True, None),
    "COLLMISSID": ("text", False, None),
    "GENUS": ("text", False, None),
    "SPECIES": ("text", False, None),
    "SPAUTHOR": ("text", False, None),
    "SUBTAXA": ("text", False, None),
    "SUBTAUTHOR": ("text", False, None),
    "CROPNAME": ("text", False, None),
    "ACCENAME": ("text", True, None),
    "ACQDATE": ("date", False, None),
    "ORIGCTY": ("code", False, "ISO3166"),
    "COLLSITE": ("text", False, None),
    "DECLATITUDE": ("number", False, None),
    "LATITUDE": ("text", False, None),
    "DECLONGITUDE": ("number", False, None),
    "LONGITUDE": ("text", False, None),
    "COORDUNCERT": ("number", False, None),
    "COORDDATUM": ("text", False, None),
    "GEOREFMETH": ("text", False, "GEOREFMETH"),
    "ELEVATION": ("number", False, None),
    "COLLDATE": ("date", False, None),
    "BREDCODE": ("text", True, None),
    "BREDNAME": ("text", True, None),
    "SAMPSTAT": ("code", False, "SAMPSTAT"),
    "ANCEST": ("text", False, None),
    "COLLSRC": ("code", False, "COLLSRC"),
    "DONORCODE": ("text", False, None),
    "DONORNAME": ("text", False, None),
    "DONORNUMB": ("text", False, None),
    "OTHERNUMB": ("text", True, None),
    "DUPLSITE": ("text", True, None),
    "DUPLINSTNAME": ("text", True, None),
    "STORAGE": ("code", True, "STORAGE"),
    "MLSSTAT": ("code", False, "MLSSTAT"),
    "REMARKS": ("text", True, None),
    "ACCEURL": ("text", False, None),
}
MCPD_COLUMNS: list[str] = list(DESCRIPTORS)
#: Column managed by iofs beside MCPD: whether the accession is available for distribution.
AVAILABLE = "AVAILABLE"

#: MCPD V.2.1 code lists (codes only; labels are translated in the pages).
SAMPSTAT_CODES = frozenset(
    {
        "100",
        "110",
        "120",
        "130",
        "200",
        "300",
        "400",
        "410",
        "411",
        "412",
        "413",
        "414",
        "415",
        "416",
        "420",
        "421",
        "422",
        "423",
        "500",
        "600",
        "999",
    }
)
COLLSRC_CODES = frozenset(
    {
        "10",
        "11",
        "12",
        "13",
        "14",
        "15",
        "20",
        "21",
        "22",
        "23",
        "24",
        "25",
        "26",
        "27",
        "28",
        "30",
        "40",
        "50",
        "60",
        "61",
        "62",
        "99",
    }
)
STORAGE_CODES = frozenset({"10", "11", "12", "13", "20", "30", "40", "50", "99"})
MLSSTAT_CODES = frozenset({"0", "1", "99"})
#: Suggested (not normative) georeferencing methods.
GEOREFMETH_SUGGESTED = frozenset(
    {"GPS", "map", "gazetteer", "software", "determined from map", "estimated using software"}
)
SUBTAXA_RANKS = ("subsp.", "convar.", "var.", "subvar.", "f.", "Group", "cv.", "nothosubsp.")
SUBTAXA_FIXES = {
    "ssp.": "subsp.",
    "ssp": "subsp.",
    "subsp": "subsp.",
    "var": "var.",
    "convar": "convar.",
    "forma": "f.",
}

COUNTRY_CODES = countries.current_iso3() | countries.historic_iso3()

MAX_LENGTH: dict[str, int] = {
    "PUID": 255,
    "INSTCODE": 16,
    "ACCENUMB": 128,
    "COLLNUMB": 128,
    "COLLCODE": 255,
    "COLLMISSID": 255,
    "GENUS": 64,
    "SPECIES": 64,
    "SPAUTHOR": 255,
    "SUBTAXA": 255,
    "SUBTAUTHOR": 255,
    "CROPNAME": 128,
    "DECLATITUDE": 32,
    "DECLONGITUDE": 32,
    "COORDUNCERT": 32,
    "COORDDATUM": 64,
    "GEOREFMETH": 255,
    "ELEVATION": 32,
    "BREDCODE": 255,
    "DONORCODE": 16,
    "DONORNUMB": 128,
    "DUPLSITE": 255,
    "STORAGE": 64,
    "ACCEURL": 255,
}
TEXT_LIMIT = 10_000


#: Descriptors holding several values separated by ``;``.
MULTI = frozenset(c for c, (_t, multi, _l) in DESCRIPTORS.items() if multi)
#: The code lists by descriptor (ORIGCTY: ISO 3166-1 alpha-3 and 3166-3).
CODE_LISTS: dict[str, frozenset[str]] = {
    "SAMPSTAT": SAMPSTAT_CODES,
    "COLLSRC": COLLSRC_CODES,
    "STORAGE": STORAGE_CODES,
    "MLSSTAT": MLSSTAT_CODES,
    "ORIGCTY": COUNTRY_CODES,
}
#: What a mapping may name as a target.
ALLOWED_TARGETS = frozenset({*MCPD_COLUMNS, AVAILABLE})

#: English labels of the code lists (MCPD V.2.1) and words legacy files use for them, by
#: descriptor: word -> code. Used to guess a mapping (``iofs genebank mapping-template``);
#: an import maps words only as its mapping file says.
CODE_WORDS: dict[str, dict[str, str]] = {
    "SAMPSTAT": {
        "wild": "100",
        "natural": "110",
        "semi-natural/wild": "120",
        "semi-natural/sown": "130",
        "weedy": "200",
        "weed": "200",
        "traditional cultivar/landrace": "300",
        "traditional cultivar": "300",
        "landrace": "300",
        "land race": "300",
        "farmer variety": "300",
        "local variety": "300",
        "breeding/research material": "400",
        "breeding material": "400",
        "research material": "400",
        "breeder's line": "410",
        "breeding line": "410",
        "line": "410",
        "synthetic population": "411",
        "hybrid": "412",
        "founder stock/base population": "413",
        "inbred line": "414",
        "segregating population": "415",
        "clonal selection": "416",
        "genetic stock": "420",
        "mutant": "421",
        "cytogenetic stock": "422",
        "other genetic stock": "423",
        "advanced or improved cultivar": "500",
        "advanced cultivar": "500",
        "improved cultivar": "500",
        "improved variety": "500",
        "cultivar": "500",
        "variety": "500",
        "gmo": "600",
        "other": "999",
    },
    "COLLSRC": {
        "wild habitat": "10",
        "forest or woodland": "11",
        "forest": "11",
        "woodland": "11",
        "shrubland": "12",
        "grassland": "13",
        "desert or tundra": "14",
        "desert": "14",
        "aquatic habitat": "15",
        "farm or cultivated habitat": "20",
        "farm": "20",
        "field": "21",
        "orchard": "22",
        "backyard": "23",
        "kitchen garden": "23",
        "home garden": "23",
        "fallow land": "24",
        "fallow": "24",
        "pasture": "25",
        "farm store": "26",
        "threshing floor": "27",
        "park": "28",
        "market or shop": "30",
        "market": "30",
        "shop": "30",
        "institute": "40",
        "research organization": "40",
        "genebank": "40",
        "gene bank": "40",
        "seed company": "50",
        "weedy, disturbed or ruderal habitat": "60",
        "ruderal": "60",
        "roadside": "61",
        "field margin": "62",
        "other": "99",
    },
    "STORAGE": {
        "seed collection": "10",
        "seed": "10",
        "short term": "11",
        "short-term": "11",
        "medium term": "12",
        "medium-term": "12",
        "long term": "13",
        "long-term": "13",
        "field collection": "20",
        "field": "20",
        "in vitro collection": "30",
        "in vitro": "30",
        "cryopreserved collection": "40",
        "cryopreserved": "40",
        "cryo": "40",
        "dna collection": "50",
        "dna": "50",
        "other": "99",
    },
    "MLSSTAT": {
        "no": "0",
        "not included": "0",
        "n": "0",
        "false": "0",
        "yes": "1",
        "included": "1",
        "y": "1",
        "true": "1",
        "mls": "1",
        "other": "99",
    },
}


class PassportFileError(ValueError):
    """The file itself cannot be read (format, encoding, missing required columns)."""
