"""Ingest rules: layouts recognised, bad rows named, all-or-nothing, idempotent, kill-safe,
non-OIC rows counted and kept out of OIC views."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from iofs.monitor.ipc import layouts, service, store
from tests.monitor.ipc.conftest import long_block, write_long


def test_hxl_row_is_skipped_and_rows_are_stored(sudan_file: Path, tmp_path: Path) -> None:
    [report] = service.ingest([sudan_file], tmp_path / "store")
    assert report.layout == "HDX IPC long (national)"
    assert (report.rows, report.analyses, report.countries) == (28, 4, ["KEN", "SDN"])
    assert not report.unchanged
    assert store.slices(tmp_path / "store") == [report.path]


def test_reingesting_the_same_file_changes_nothing(sudan_file: Path, tmp_path: Path) -> None:
    first = service.ingest([sudan_file], tmp_path / "store")[0]
    before = first.path.stat().st_mtime_ns
    again = service.ingest([sudan_file], tmp_path / "store")[0]
    assert again.unchanged and again.rows == first.rows
    assert again.path.stat().st_mtime_ns == before
    assert len(service.history(tmp_path / "store", "SDN")) == 3


def test_a_changed_file_replaces_its_own_rows(sudan_file: Path, tmp_path: Path) -> None:
    service.ingest([sudan_file], tmp_path / "store")
    write_long(
        sudan_file,
        [
            long_block(
                "SDN",
                "Mar 2022",
                "current",
                ("2022-03-01", "2022-05-31"),
                [400_000, 300_000, 200_000, 90_000, 10_000],
            )
        ],
    )
    report = service.ingest([sudan_file], tmp_path / "store")[0]
    assert not report.unchanged and report.rows == 7
    assert [
        a.analysis_date.month for a in service.history(tmp_path / "store", "SDN") if a.analysis_date
    ] == [3]


def test_every_bad_row_is_reported_and_nothing_is_written(sudan_file: Path, tmp_path: Path) -> None:
    lines = [line.split(",") for line in sudan_file.read_text().splitlines()]
    # (index into lines, column, new value); file line = index + 1
    for index, column, value in (
        (2, 0, "Octember 2021"),
        (3, 6, "6"),
        (4, 7, "five hundred"),
        (5, 4, "2021-13-01"),
        (6, 1, "Sudan"),
        (7, 3, "nowcast"),
        (8, 8, "1.7"),
    ):
        lines[index][column] = value
    text = "\n".join(",".join(line) for line in lines)
    sudan_file.write_text(text + "\n")
    good = write_long(
        tmp_path / "good.csv",
        [long_block("SDN", "Mar 2022", "current", ("2022-03-01", "2022-05-31"), [1, 2, 3, 4, 0])],
    )
    with pytest.raises(service.IpcIngestError) as raised:
        service.ingest([good, sudan_file], tmp_path / "store")
    assert [str(p) for p in raised.value.problems] == [
        "ipc_sdn_national_long.csv line 3: Date of analysis: 'Octember 2021' is not a month "
        "of analysis such as 'Apr 2023'",
        "ipc_sdn_national_long.csv line 4: Phase: '6' is not a phase (1, 2, 3, 4, 5, 3+ or all)",
        "ipc_sdn_national_long.csv line 5: Number: 'five hundred' is not a number of people",
        "ipc_sdn_national_long.csv line 6: From: '2021-13-01' is not a date YYYY-MM-DD",
        "ipc_sdn_national_long.csv line 7: Country: 'Sudan' is not an ISO 3166-1 alpha-3 "
        "country code",
        "ipc_sdn_national_long.csv line 8: Validity period: 'nowcast' is not a validity period "
        "(current, first projection, second projection)",
        "ipc_sdn_national_long.csv line 9: Percentage: '1.7' is not a share between 0 and 1",
    ]
    assert "nothing was written" in str(raised.value)
    assert not store.store_dir(tmp_path / "store").exists() or not list(
        store.store_dir(tmp_path / "store").iterdir()
    )


def test_a_period_ending_before_it_starts_is_refused(tmp_path: Path) -> None:
    path = write_long(
        tmp_path / "x.csv",
        [long_block("SDN", "Mar 2022", "current", ("2022-05-31", "2022-03-01"), [1, 2, 3, 4, 0])],
    )
    with pytest.raises(service.IpcIngestError) as raised:
        service.ingest([path], tmp_path / "store")
    assert str(raised.value.problems[0]) == (
        "x.csv line 2: To: the validity period ends (2022-03-01) before it starts (2022-05-31)"
    )


def test_unknown_layout_is_refused_with_a_sentence(tmp_path: Path) -> None:
    prices = tmp_path / "wfp_food_prices_afg.csv"
    prices.write_text("date,market,commodity,price\n2020-01-15,Kabul,Wheat,1\n")
    with pytest.raises(layouts.IpcFileError) as raised:
        layouts.recognise(prices)
    message = str(raised.value)
    assert message.startswith("wfp_food_prices_afg.csv is not a known IPC layout")
    assert "HDX IPC long (Date of analysis" in message and "HDX HAPI food security" in message
    near = tmp_path / "near.csv"
    near.write_text("Date of analysis,Country,Validity period,From,To,Phase,Number\n")
    with pytest.raises(
        layouts.IpcFileError,
        match=r"near.csv looks like the HDX IPC long "
        r"layout but lacks the column\(s\) Percentage",
    ):
        layouts.recognise(near)
    with pytest.raises(service.IpcIngestError) as refused:
        service.ingest([prices], tmp_path / "store")
    assert refused.value.refused and "wfp_food_prices_afg.csv" in refused.value.refused[0]


def test_empty_missing_and_non_utf8_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Date of analysis,Côte\n".encode("latin-1"))
    with pytest.raises(service.IpcIngestError) as raised:
        service.ingest([empty, latin, tmp_path / "absent.csv"], tmp_path / "store")
    assert raised.value.refused == [
        "empty.csv is empty; expected a CSV with a header row.",
        "latin.csv is not UTF-8 text; the HDX IPC and HAPI files are UTF-8 CSV.",
        f"{tmp_path / 'absent.csv'} does not exist or is not a file.",
    ]


def test_leftover_temporary_file_of_a_killed_run_is_removed(
    sudan_file: Path, tmp_path: Path
) -> None:
    analytics = tmp_path / "store"
    service.ingest([sudan_file], analytics)
    folder = store.store_dir(analytics)
    # A run killed between writing and renaming leaves a half-written hidden file; pid
    # 2**22 + 1 is above Linux's pid_max, so that process cannot be running.
    dead = folder / f".ipc_sdn_national_long.parquet.tmp-{2**22 + 1}-0badc0de"
    dead.write_bytes(b"PAR1 half a file")
    assert store.slices(analytics) == [folder / "ipc_sdn_national_long.parquet"]
    assert len(service.history(analytics, "SDN")) == 3  # readers ignore it
    alive = folder / f".other.parquet.tmp-{os.getpid()}-0123abcd"
    alive.write_bytes(b"being written")
    report = service.ingest([sudan_file], analytics)[0]
    assert report.removed_temporaries == [dead] and not dead.exists()
    assert alive.exists()  # a running ingest's file is left alone
    assert report.unchanged


def test_a_kill_during_the_write_leaves_the_old_slice(
    sudan_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analytics = tmp_path / "store"
    first = service.ingest([sudan_file], analytics)[0]
    before = first.path.read_bytes()
    write_long(
        sudan_file,
        [long_block("SDN", "Mar 2023", "current", ("2023-03-01", "2023-05-31"), [1, 2, 3, 4, 0])],
    )

    def killed(*_args: object) -> None:
        raise KeyboardInterrupt  # as if the process died before the rename

    import iofs.ingest_files

    monkeypatch.setattr(iofs.ingest_files.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        service.ingest([sudan_file], analytics)
    assert first.path.read_bytes() == before
    assert [p.name for p in store.store_dir(analytics).iterdir()] == [first.path.name]


def test_non_oic_rows_are_stored_counted_and_left_out(sudan_file: Path, tmp_path: Path) -> None:
    analytics = tmp_path / "store"
    report = service.ingest([sudan_file], analytics)[0]
    assert (report.non_oic_rows, report.non_oic_countries) == (7, ["KEN"])
    assert [a.country for a in service.latest(analytics)] == ["SDN"]
    assert [a.country for a in service.latest(analytics, include_non_oic=True)] == ["KEN", "SDN"]
    assert service.history(analytics, "KEN") == []
    assert len(service.history(analytics, "KEN", include_non_oic=True)) == 1
    assert service.p3_plus_share(analytics, "KEN", "2022-04") is None


def test_same_file_name_twice_is_refused(sudan_file: Path, tmp_path: Path) -> None:
    other = tmp_path / "copy"
    other.mkdir()
    twin = other / sudan_file.name
    twin.write_bytes(sudan_file.read_bytes())
    with pytest.raises(service.IpcIngestError, match="1 file"):
        service.ingest([sudan_file, twin], tmp_path / "store")


def test_nothing_ingested(tmp_path: Path) -> None:
    with pytest.raises(service.NoIpcData):
        service.latest(tmp_path)
    assert service.p3_plus_share(tmp_path, "AFG", "2022-04") is None
