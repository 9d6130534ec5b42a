"""Small hand-written IPC files (written to tmp_path), in the HDX IPC long layout."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

LONG_HEADER = (
    "Date of analysis,Country,Total country population,Validity period,From,To,"
    "Phase,Number,Percentage"
)
LONG_HXL = (
    "#date+analysis,#country+code,#population+total,#date+type,#date+start,#date+end,"
    "#indicator+phase,#affected,#affected+pct"
)


def long_block(
    country: str, month: str, kind: str, period: tuple[str, str], phases: Sequence[int]
) -> list[str]:
    """The rows of one analysis: ``all``, ``3+`` and phases 1–5 (``phases`` in persons)."""
    total = sum(phases)
    start, end = period
    lines = [
        f"{month},{country},{total},{kind},{start},{end},all,{total},1.0",
        f"{month},{country},{total},{kind},{start},{end},3+,{sum(phases[2:])},"
        f"{round(sum(phases[2:]) / total, 2)}",
    ]
    lines += [
        f"{month},{country},{total},{kind},{start},{end},{p},{n},{round(n / total, 2)}"
        for p, n in enumerate(phases, 1)
    ]
    return lines


def write_long(path: Path, blocks: Sequence[list[str]], *, hxl: bool = False) -> Path:
    """A long-layout file of ``blocks`` (see :func:`long_block`)."""
    lines = [LONG_HEADER, *([LONG_HXL] if hxl else [])]
    for block in blocks:
        lines += block
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def sudan_file(tmp_path: Path) -> Path:
    """Sudan (an OIC state), two current analyses: phase 5 appears in the second; Kenya (not
    OIC) once."""
    return write_long(
        tmp_path / "ipc_sdn_national_long.csv",
        [
            long_block(
                "SDN",
                "Oct 2021",
                "current",
                ("2021-10-01", "2022-02-28"),
                [500_000, 300_000, 150_000, 50_000, 0],
            ),
            long_block(
                "SDN",
                "Oct 2021",
                "first projection",
                ("2022-03-01", "2022-06-30"),
                [450_000, 300_000, 180_000, 70_000, 0],
            ),
            long_block(
                "SDN",
                "Mar 2022",
                "current",
                ("2022-03-01", "2022-05-31"),
                [400_000, 300_000, 200_000, 90_000, 10_000],
            ),
            long_block(
                "KEN",
                "Mar 2022",
                "current",
                ("2022-03-01", "2022-05-31"),
                [600_000, 300_000, 100_000, 0, 0],
            ),
        ],
        hxl=True,
    )
