"""Push and pull between two data directories through a real local S3 server (moto): byte
identity, nothing sent twice, removals carried over, an older manifest ignored, a push killed
before its manifest invisible to the other side, local changes not yet pushed kept, two
pushes without a pull in between merged rather than lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from iofs.analytics_store import pull, push, status
from iofs.analytics_store.manifest import GENERATION_FILE
from iofs.config import Settings
from iofs.demo import ILLUSTRATIVE_FAOSTAT, ILLUSTRATIVE_PRICES
from iofs.ingest_files import KILL_ENV
from tests.analytics_store.conftest import (
    s3_client,
    shared_environment,
    shared_settings,
    visible_bytes,
)
from tests.conftest import PROJECT_ROOT


def _ingest_prices(settings: Settings) -> None:
    from iofs.monitor.prices import ingest

    ingest.ingest_file(ILLUSTRATIVE_PRICES, settings.analytics_dir)


def _ingest_faostat(settings: Settings) -> None:
    from iofs.monitor.faostat.ingest import ingest

    ingest([ILLUSTRATIVE_FAOSTAT], settings.analytics_dir)


@pytest.fixture
def pair(tmp_path: Path, s3_endpoint: str, bucket: str) -> tuple[Settings, Settings]:
    """Two app servers' settings: separate data dirs, one shared bucket."""
    return (
        shared_settings(tmp_path / "a", s3_endpoint, bucket),
        shared_settings(tmp_path / "b", s3_endpoint, bucket),
    )


def _manifest(settings: Settings, bucket: str) -> dict[str, object]:
    client = s3_client(settings.s3_endpoint_url or "")
    body = client.get_object(Bucket=bucket, Key="prod/manifest.json")["Body"].read()
    return dict(json.loads(body))


def test_push_then_pull_gives_byte_identical_files_and_nothing_is_sent_twice(
    pair: tuple[Settings, Settings], bucket: str
) -> None:
    a, b = pair
    _ingest_prices(a)
    _ingest_faostat(a)
    first = push(a)
    assert first.generation == 1 and first.uploaded > 0 and first.removed == 0
    manifest = _manifest(a, bucket)
    assert set(dict(manifest["files"])) == set(visible_bytes(a.analytics_dir))  # type: ignore[arg-type]

    pulled = pull(b)
    assert pulled.applied and pulled.generation == 1 and pulled.downloaded == first.published
    assert visible_bytes(b.analytics_dir) == visible_bytes(a.analytics_dir)
    assert (b.analytics_dir / GENERATION_FILE).read_text().strip() == "1"
    # Modification times travel too (slices show when they were ingested).
    for name in visible_bytes(a.analytics_dir):
        assert (b.analytics_dir / name).stat().st_mtime == pytest.approx(
            (a.analytics_dir / name).stat().st_mtime, abs=1e-3
        )

    again = push(a)
    assert again.generation is None and again.uploaded == 0
    assert _manifest(a, bucket)["generation"] == 1
    assert not pull(b).applied
    assert pull(b).downloaded == 0
    state = status(b)
    assert state["remote_generation"] == state["pulled_generation"] == 1
    assert state["to_push"] == state["to_pull"] == state["to_remove"] == []


def test_a_removed_slice_disappears_on_the_other_side(pair: tuple[Settings, Settings]) -> None:
    from iofs.monitor.faostat import service as faostat
    from iofs.monitor.prices import service as prices

    a, b = pair
    _ingest_prices(a)
    _ingest_faostat(a)
    push(a)
    pull(b)
    removed = faostat.slices(a.analytics_dir)[0]
    faostat.remove_slice(a.analytics_dir, removed.id)
    report = push(a)
    assert report.generation == 2 and report.removed > 0 and report.uploaded == 0

    assert [s.id for s in faostat.slices(b.analytics_dir)] == [removed.id]
    after = pull(b)
    assert after.applied and after.removed == report.removed and after.downloaded == 0
    assert faostat.slices(b.analytics_dir) == []
    assert [s.id for s in prices.slices(b.analytics_dir)] == [
        s.id for s in prices.slices(a.analytics_dir)
    ]
    assert visible_bytes(b.analytics_dir) == visible_bytes(a.analytics_dir)


def test_a_pull_while_the_manifest_is_older_changes_nothing(
    pair: tuple[Settings, Settings], bucket: str
) -> None:
    a, b = pair
    _ingest_prices(a)
    push(a)
    _ingest_faostat(a)
    push(a)
    pull(b)
    before = visible_bytes(b.analytics_dir)
    # The shared manifest goes back to generation 1 (a restored bucket, a lagging replica).
    client = s3_client(a.s3_endpoint_url or "")
    older = client.get_object(Bucket=bucket, Key="prod/generations/000000000001.json")
    client.put_object(Bucket=bucket, Key="prod/manifest.json", Body=older["Body"].read())

    report = pull(b)
    assert not report.applied and report.older and report.generation == 1
    assert visible_bytes(b.analytics_dir) == before
    assert (b.analytics_dir / GENERATION_FILE).read_text().strip() == "2"


def test_a_killed_push_leaves_the_other_side_unchanged_and_the_next_push_completes(
    pair: tuple[Settings, Settings], bucket: str
) -> None:
    a, b = pair
    _ingest_prices(a)
    push(a)
    pull(b)
    before = visible_bytes(b.analytics_dir)
    _ingest_faostat(a)  # several new files: the push dies after uploading the first
    killed = subprocess.run(
        [sys.executable, "-m", "iofs.cli", "analytics", "push"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **shared_environment(a), KILL_ENV: "analytics:uploaded"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert killed.returncode == -9, killed.stdout + killed.stderr
    assert _manifest(a, bucket)["generation"] == 1
    stored = client_keys(a, bucket)
    assert any(key.startswith("prod/objects/") for key in stored)
    assert "prod/generations/000000000002.json" not in stored

    report = pull(b)
    assert not report.applied
    assert visible_bytes(b.analytics_dir) == before

    finished = push(a)
    assert finished.generation == 2 and finished.published > finished.uploaded >= 1
    assert pull(b).applied
    assert visible_bytes(b.analytics_dir) == visible_bytes(a.analytics_dir)


def client_keys(settings: Settings, bucket: str) -> set[str]:
    """Every key of the bucket."""
    listed = s3_client(settings.s3_endpoint_url or "").list_objects_v2(Bucket=bucket)
    return {item["Key"] for item in listed.get("Contents", [])}


def test_local_changes_not_yet_pushed_survive_a_pull_and_two_pushes_merge(
    pair: tuple[Settings, Settings], bucket: str
) -> None:
    from iofs.monitor.faostat import service as faostat
    from iofs.monitor.prices import service as prices

    a, b = pair
    _ingest_prices(a)
    push(a)
    # B ingests FAOSTAT without having pulled A's prices: a pull keeps B's files.
    _ingest_faostat(b)
    mine = visible_bytes(b.analytics_dir)
    report = pull(b)
    assert report.applied and report.removed == 0 and sorted(report.kept) == sorted(mine)
    assert {k: v for k, v in visible_bytes(b.analytics_dir).items() if k in mine} == mine
    assert prices.slices(b.analytics_dir)  # A's prices arrived

    merged = push(b)
    assert merged.generation == 2 and merged.removed == 0
    files = dict(_manifest(a, bucket)["files"])  # type: ignore[arg-type]
    assert set(mine) <= set(files)
    assert set(visible_bytes(a.analytics_dir)) <= set(files)  # A's files are still named
    assert pull(a).applied
    assert faostat.slices(a.analytics_dir)
    assert visible_bytes(a.analytics_dir) == visible_bytes(b.analytics_dir)


def test_a_push_from_a_server_behind_merges_onto_the_newer_generation(
    pair: tuple[Settings, Settings], bucket: str
) -> None:
    a, b = pair
    _ingest_prices(a)
    push(a)
    _ingest_faostat(b)  # B never pulled: its push must not delete A's prices
    report = push(b)
    assert report.generation == 2
    files = set(dict(_manifest(a, bucket)["files"]))  # type: ignore[arg-type]
    assert set(visible_bytes(a.analytics_dir)) <= files
    assert set(visible_bytes(b.analytics_dir)) <= files
    assert pull(b).downloaded == len(visible_bytes(a.analytics_dir))
    assert pull(a).applied
    assert visible_bytes(a.analytics_dir) == visible_bytes(b.analytics_dir)
