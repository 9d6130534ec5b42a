"""Which records a route reads (iofs.data_dependencies, #21 item 2): the module manifests'
``reads`` cover every module a module imports (so a page cannot show another module's records
without renewing when they change), tables are owned by the module that maps them, and record
types no module claims renew every page."""

from __future__ import annotations

import grimp
import pytest

from iofs.data_dependencies import (
    data_dependencies,
    module_of,
    read_closure,
)
from iofs.modules import Module, all_modules


def _imported_modules(graph: grimp.ImportGraph, module: Module) -> set[str]:
    """Names of the other iofs modules ``module``'s package imports, directly or not."""
    upstream = graph.find_upstream_modules(module.package, as_package=True)
    found = set()
    for other in all_modules():
        if other.package == module.package or module.package.startswith(other.package + "."):
            continue
        if any(u == other.package or u.startswith(other.package + ".") for u in upstream):
            found.add(other.name)
    return found


def test_every_module_declares_the_modules_it_imports() -> None:
    graph = grimp.build_graph("iofs", cache_dir=None)
    modules = all_modules()
    missing = {
        m.name: sorted(_imported_modules(graph, m) - read_closure(m.name, modules)) for m in modules
    }
    assert not {name: gap for name, gap in missing.items() if gap}, (
        "add these to the module manifests' reads=(...)"
    )


def test_tables_belong_to_the_module_that_maps_them() -> None:
    dependencies = data_dependencies()
    assert "programmes_contribution" in dependencies.reads["programmes"]
    assert "programmes_contribution" in dependencies.reads["briefs"]  # briefs read programmes
    assert "programmes_contribution" not in dependencies.reads["genebank"]
    assert "genebank_accession" in dependencies.reads["genebank"]
    assert "member_state" in dependencies.reads["genebank"]  # every module reads the members
    riskpage = module_of("iofs.monitor.risk.pages", dependencies.modules)
    assert riskpage is not None and riskpage.name == "risk"
    assert module_of("iofs.web.app", dependencies.modules) is None


def test_unclaimed_record_types_and_platform_routes_renew_everything() -> None:
    dependencies = data_dependencies()
    heads = {"genebank_accession": 7, "programmes_contribution": 9}
    genebank = dependencies.reads["genebank"]
    assert dependencies.newest(heads, genebank) == 7
    assert dependencies.newest({**heads, "data_slice": 12}, genebank) == 12  # no module's
    assert dependencies.newest(heads, None) == 9
    assert dependencies.newest({}, genebank) == 0
    assert dependencies.of_endpoint(None) is None
    assert dependencies.of_endpoint(test_tables_belong_to_the_module_that_maps_them) is None


def test_a_manifest_reading_an_unknown_module_is_refused() -> None:
    modules = (Module(name="a", package="x.a", reads=("nowhere",)),)
    with pytest.raises(ValueError, match="nowhere"):
        read_closure("a", modules)
