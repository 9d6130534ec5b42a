"""The flow diagram's labels never overprint: within a column each label sits at least a line
below the previous one, even for donors too small to get a node taller than a label, and the
labels are drawn after (over) the bands with a halo."""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import pairwise

from iofs.programmes.charts import LABEL_LINE, flow_svg
from iofs.programmes.figures import Flow


def test_small_nodes_labels_do_not_overlap() -> None:
    flows = [Flow("BIG", "APPEAL", "PSE", Decimal("1000000"), "paid")]
    flows += [
        Flow(f"D{i}", "APPEAL", "PSE" if i % 2 else "YEM", Decimal("500"), "paid") for i in range(8)
    ]
    svg = str(flow_svg(flows, {}, "flows"))
    texts = re.findall(r'<text x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>', svg)
    assert len(texts) == 9 + 1 + 2
    by_column: dict[str, list[float]] = {}
    for x, y, _label in texts:
        by_column.setdefault(x, []).append(float(y))
    for ys in by_column.values():
        ys.sort()
        assert all(b - a >= LABEL_LINE - 0.05 for a, b in pairwise(ys)), ys
    assert svg.index("<text") > svg.rindex("<path")  # labels over the bands
    box = re.search(r'viewBox="-4 -4 [\d.]+ ([\d.]+)"', svg)
    assert box is not None
    height = float(box.group(1))
    assert height >= max(max(ys) for ys in by_column.values())
