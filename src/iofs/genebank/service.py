"""The gene bank's public front: what other modules and the interfaces (API, pages, CLI,
demo) call. Each function lives in the module of its concern:

- :mod:`~iofs.genebank.accessions`: an accession, its descriptors, availability, history;
- :mod:`~iofs.genebank.passport_import`: MCPD import (bulk, all-or-nothing) and passport edits;
- :mod:`~iofs.genebank.exports`: MCPD CSV, Genesys JSON, WIEWS / SDG 2.5.1.a counts;
- :mod:`~iofs.genebank.search`: text and facet search, collecting sites, the search counts;
- :mod:`~iofs.genebank.conservation`: lots, safety duplicates, germination tests, viability,
  the regeneration queue and the curator's dashboard;
- :mod:`~iofs.genebank.distribution`: request → order → shipment under the SMTA, its report;
- :mod:`~iofs.genebank.easy_smta`: Easy-SMTA reports of shipped SMTAs, what is unreported;
- :mod:`~iofs.genebank.traits`: trait definitions, observations, their import and search;
- :mod:`~iofs.genebank.quality`: passport data completeness index (PDCI), plausibility;
- :mod:`~iofs.genebank.public_requests`: public requests with click-wrap SMTA acceptance;
- :mod:`~iofs.genebank.climate`: climate-smart search (sites with frequent drought, SPI-12);
- :mod:`~iofs.genebank.glis`: GLIS DOI registration (the Treaty's Global Information System);

Writes take the pydantic input models of :mod:`iofs.genebank.schemas`; every write checks a
``genebank.*`` permission (:mod:`iofs.genebank.permissions`) and writes the audit log in the
same transaction. Standards: MCPD V.2.1 (:mod:`iofs.genebank.mcpd`), FAO Genebank Standards
(2014) and Ellis & Roberts (1980) (:mod:`iofs.genebank.viability`), the ITPGRFA SMTA (2006).
"""

from __future__ import annotations

from iofs.genebank.accessions import FIELD_OF, get_accession, history, mcpd_values, set_available
from iofs.genebank.climate import ClimateSmart, climate_smart, state_history
from iofs.genebank.conservation import (
    Dashboard,
    LotStatus,
    add_safety_duplicate,
    constants_for,
    create_lot,
    dashboard,
    duplicates_of,
    get_lot,
    import_constants,
    list_constants,
    lot_status,
    lot_statuses,
    lots_of,
    record_germination_test,
    regeneration_queue,
    tests_of,
    validate_predictor,
)
from iofs.genebank.distribution import (
    SMTA_COLUMNS,
    cancel_sample,
    distribute,
    distributions,
    get_distribution,
    order_sample,
    request_sample,
    ship_sample,
    smta_report,
)
from iofs.genebank.easy_smta import (
    Agreement,
    Provider,
    agreements,
    easy_smta_xml,
    mark_reported,
    unreported,
)
from iofs.genebank.errors import GenebankError, UnknownRecord
from iofs.genebank.exports import (
    WIEWS_COLUMNS,
    export_genesys_json,
    export_mcpd,
    genesys_record,
    wiews_counts,
)
from iofs.genebank.glis import (
    GlisClient,
    GlisError,
    GlisRun,
    Progenitor,
    add_progenitor,
    doi_of,
    dois,
    glis_pending,
    progenitor_dois,
    progenitors_of,
    register_with_glis,
)
from iofs.genebank.passport_import import (
    ImportRejected,
    ImportResult,
    edit_passport,
    import_passport,
    read_for_parent,
    validate_csv_text,
    write_rejects,
)
from iofs.genebank.permissions import PERMISSIONS
from iofs.genebank.public_requests import (
    SMTA_SHA256,
    SMTA_TEXT,
    RequestStatus,
    my_requests,
    public_requests,
    requester_of,
    save_requester,
    submit_public_request,
)
from iofs.genebank.quality import (
    CHECKS,
    CollectionQuality,
    Finding,
    accession_pdci,
    collection_quality,
    finding_counts,
    pdci,
    plausibility,
)
from iofs.genebank.schemas import (
    DistributionIn,
    LotIn,
    OrderIn,
    ProgenitorIn,
    RequesterIn,
    RequestIn,
    SafetyDuplicateIn,
    TraitIn,
)
from iofs.genebank.search import (
    SearchQuery,
    SearchResult,
    collecting_points,
    rebuild_counts,
    search,
    search_page,
)
from iofs.genebank.traits import (
    Criterion,
    ObservationImport,
    ObservationsRejected,
    TraitSummary,
    define_trait,
    export_observations,
    get_trait,
    import_observation_file,
    import_observations,
    list_traits,
    observations_of,
    parse_criteria,
    parse_criterion,
    read_observation_rows,
    trait_search,
    trait_summaries,
)
from iofs.genebank.vocabulary import DISTRIBUTION_STATES

__all__ = [
    "CHECKS",
    "DISTRIBUTION_STATES",
    "FIELD_OF",
    "PERMISSIONS",
    "SMTA_COLUMNS",
    "SMTA_SHA256",
    "SMTA_TEXT",
    "WIEWS_COLUMNS",
    "Agreement",
    "ClimateSmart",
    "CollectionQuality",
    "Criterion",
    "Dashboard",
    "DistributionIn",
    "Finding",
    "GenebankError",
    "GlisClient",
    "GlisError",
    "GlisRun",
    "ImportRejected",
    "ImportResult",
    "LotIn",
    "LotStatus",
    "ObservationImport",
    "ObservationsRejected",
    "OrderIn",
    "Progenitor",
    "ProgenitorIn",
    "Provider",
    "RequestIn",
    "RequestStatus",
    "RequesterIn",
    "SafetyDuplicateIn",
    "SearchQuery",
    "SearchResult",
    "TraitIn",
    "TraitSummary",
    "UnknownRecord",
    "accession_pdci",
    "add_progenitor",
    "add_safety_duplicate",
    "agreements",
    "cancel_sample",
    "climate_smart",
    "collecting_points",
    "collection_quality",
    "constants_for",
    "create_lot",
    "dashboard",
    "define_trait",
    "distribute",
    "distributions",
    "doi_of",
    "dois",
    "duplicates_of",
    "easy_smta_xml",
    "edit_passport",
    "export_genesys_json",
    "export_mcpd",
    "export_observations",
    "finding_counts",
    "genesys_record",
    "get_accession",
    "get_distribution",
    "get_lot",
    "get_trait",
    "glis_pending",
    "history",
    "import_constants",
    "import_observation_file",
    "import_observations",
    "import_passport",
    "list_constants",
    "list_traits",
    "lot_status",
    "lot_statuses",
    "lots_of",
    "mark_reported",
    "mcpd_values",
    "my_requests",
    "observations_of",
    "order_sample",
    "parse_criteria",
    "parse_criterion",
    "pdci",
    "plausibility",
    "progenitor_dois",
    "progenitors_of",
    "public_requests",
    "read_for_parent",
    "read_observation_rows",
    "rebuild_counts",
    "record_germination_test",
    "regeneration_queue",
    "register_with_glis",
    "request_sample",
    "requester_of",
    "save_requester",
    "search",
    "search_page",
    "set_available",
    "ship_sample",
    "smta_report",
    "state_history",
    "submit_public_request",
    "tests_of",
    "trait_search",
    "trait_summaries",
    "unreported",
    "validate_csv_text",
    "validate_predictor",
    "wiews_counts",
    "write_rejects",
]
