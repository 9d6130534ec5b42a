"""Push the local analytics store to the shared one, pull the shared one into it, compare.

Three views meet (see :mod:`iofs.analytics_store.manifest`): the local files, the *base*
(what they were when last in step) and the remote manifest. A push sends local changes
against the base; a pull takes remote changes against the base and leaves local changes not
yet pushed alone (``force``: the shared store wins everywhere). So two app servers never undo
each other's files, and a pull running between an ingest and its push loses nothing.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iofs.analytics_store.errors import StoreError
from iofs.analytics_store.manifest import (
    Entry,
    Manifest,
    local_path,
    locked,
    read_base,
    read_generation,
    scan,
    sha256_of,
    write_state,
)
from iofs.analytics_store.remote import MANIFEST, Remote, open_remote
from iofs.i18n import gettext as _
from iofs.ingest_files import atomic_write, kill_point
from iofs.slices import discard

if TYPE_CHECKING:
    from iofs.config import Settings

log = logging.getLogger("iofs.analytics_store")

#: Manifests kept in ``generations/`` besides the newest (older ones are deleted by pushes).
KEEP_GENERATIONS = 20
#: How many times a push merges onto a generation another server published meanwhile.
MAX_MERGES = 20


@dataclass(frozen=True)
class PushReport:
    """What a push did: ``generation`` published (None: nothing had changed locally),
    files ``uploaded`` (bodies sent) and their ``bytes``, paths ``published`` (new or
    changed, whether their body was sent or already stored) and ``removed``."""

    generation: int | None
    uploaded: int = 0
    bytes: int = 0
    published: int = 0
    removed: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The report as a plain dict (JSON output)."""
        return asdict(self)


@dataclass(frozen=True)
class PullReport:
    """What a pull did: the remote ``generation``, whether it was ``applied`` (False: the
    local copy was already at it, or ``older``: the shared manifest is behind the one last
    pulled), files ``downloaded`` (and their ``bytes``) and ``removed``, and the local
    changes ``kept`` (paths not yet pushed, left alone)."""

    generation: int
    applied: bool
    older: bool = False
    downloaded: int = 0
    bytes: int = 0
    removed: int = 0
    kept: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The report as a plain dict (JSON output)."""
        return asdict(self)


def _stamp() -> dict[str, str]:
    return {
        "pushed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "pushed_by": socket.gethostname(),
    }


def push(settings: Settings) -> PushReport:
    """Send the local store's changes since it was last in step, then publish a manifest.

    Bodies go to ``objects/<sha256>`` first (those already stored are not sent again); the
    new manifest is created as ``generations/<n>.json`` (exclusively: a push that finds
    ``n`` taken merges onto it and tries ``n + 1``) and copied to ``manifest.json`` last, so
    a reader never sees a manifest naming a body not yet stored. Nothing changed locally:
    nothing is sent or published (``generation`` None). Raises :class:`StoreError`.
    """
    root = settings.analytics_dir
    remote = open_remote(settings)  # no request yet: only checks that a store is set
    with locked(root):
        base = read_base(root)
        pulled = read_generation(root)
        local = scan(root)
        changed = {p: e for p, e in local.items() if not e.same_bytes(base.files.get(p))}
        removed = sorted(p for p in base.files if p not in local)
        if not changed and not removed:
            return PushReport(None)
        current = remote.read_manifest()
        stored = {entry.sha256 for entry in current.files.values()}
        uploaded = sent = 0
        for name in sorted(changed):
            entry = changed[name]
            if entry.sha256 in stored or remote.has_object(entry.sha256):
                continue
            source = local_path(root, name)
            remote.call(remote.fs.put_file, str(source), remote.object_key(entry.sha256))
            stored.add(entry.sha256)
            uploaded, sent = uploaded + 1, sent + entry.size
            kill_point("analytics:uploaded")
        published, onto = _publish(remote, current, changed, removed)
        _collect(remote, onto, published)
        if onto.generation == pulled:  # nobody else published since our last pull
            write_state(root, published, published.generation)
        else:  # others' changes wait for the next pull
            new_base = dict(base.files)
            new_base.update(changed)
            for name in removed:
                new_base.pop(name, None)
            write_state(root, Manifest(base.generation, new_base), pulled)
    log.info(
        "analytics store pushed: generation %s, %s uploaded, %s removed",
        published.generation,
        uploaded,
        len(removed),
    )
    return PushReport(published.generation, uploaded, sent, len(changed), len(removed))


def _publish(
    remote: Remote, current: Manifest, changed: dict[str, Entry], removed: list[str]
) -> tuple[Manifest, Manifest]:
    """Publish ``current`` with the changes applied; returns (published, the manifest it was
    merged onto)."""
    onto = current
    for _attempt in range(MAX_MERGES):
        files = dict(onto.files)
        files.update(changed)
        for name in removed:
            files.pop(name, None)
        new = Manifest(onto.generation + 1, files)
        body = new.to_json(**_stamp())
        try:
            remote.call(
                remote.fs.pipe_file, remote.generation_key(new.generation), body, mode="create"
            )
        except FileExistsError:
            taken = remote.read_generation(new.generation)
            onto = taken if taken is not None else remote.read_manifest()
            continue
        kill_point("analytics:generation")
        newest = remote.read_generation(new.generation + 1)
        if newest is None:  # a later push's manifest.json is not overwritten by an older one
            remote.call(remote.fs.pipe_file, remote.key(MANIFEST), body)
        return new, onto
    raise StoreError(
        _(
            "The shared analytics store %(url)s kept changing while this push published; "
            "run `iofs analytics push` again."
        )
        % {"url": remote.url}
    )


def _collect(remote: Remote, onto: Manifest, published: Manifest) -> None:
    """Delete the bodies ``onto`` named and ``published`` no longer does, and generations
    older than the :data:`KEEP_GENERATIONS` newest (failures only logged: a later push
    retries)."""
    named = {entry.sha256 for entry in published.files.values()}
    gone = {entry.sha256 for entry in onto.files.values()} - named
    keys = [remote.object_key(sha) for sha in sorted(gone)]
    oldest = published.generation - KEEP_GENERATIONS
    if oldest > 0:
        try:
            listed = remote.call(remote.fs.ls, remote.key("generations"), detail=False)
        except (StoreError, FileNotFoundError):
            listed = []
        for key in listed:
            stem = str(key).rsplit("/", 1)[-1].removesuffix(".json")
            if stem.isdigit() and int(stem) < oldest:
                keys.append(str(key))
    if keys:
        try:
            remote.call(remote.fs.rm, keys)
        except (StoreError, FileNotFoundError) as error:
            log.warning("analytics store: old objects not deleted (%s)", error)


def pull(settings: Settings, *, force: bool = False) -> PullReport:
    """Bring the local store to the shared store's newest manifest.

    Nothing happens when the manifest's generation is the one last pulled, or older
    (``force``: compare and fetch anyway). Each changed file is downloaded to a hidden
    temporary beside its target, checked against its size and SHA-256, given the manifest's
    modification time and renamed over the target; files the manifest no longer names are
    removed like slices are (:func:`iofs.slices.discard`). Local changes not yet pushed are
    kept unless ``force``. Raises :class:`StoreError`.
    """
    root = settings.analytics_dir
    remote = open_remote(settings)
    with locked(root):
        manifest = remote.read_manifest()
        pulled = read_generation(root)
        if not force and manifest.generation <= pulled:
            return PullReport(manifest.generation, False, older=manifest.generation < pulled)
        base, local = read_base(root), scan(root)
        kept: list[str] = []
        downloaded = received = 0
        for name in sorted(manifest.files):
            entry, mine, was = manifest.files[name], local.get(name), base.files.get(name)
            if entry.same_bytes(mine):
                continue
            untouched = (mine is None and was is None) or (
                mine is not None and mine.same_bytes(was)
            )
            if not (force or untouched):
                kept.append(name)
                continue
            _download(remote, root, name, entry)
            downloaded, received = downloaded + 1, received + entry.size
        doomed = [
            name
            for name, mine in local.items()
            if name not in manifest.files
            and (force or (name in base.files and mine.same_bytes(base.files[name])))
        ]
        kept.extend(n for n in local if n not in manifest.files and n not in doomed)
        _remove(root, doomed)
        write_state(root, manifest, manifest.generation)
    if downloaded or doomed:
        log.info(
            "analytics store pulled: generation %s, %s downloaded, %s removed",
            manifest.generation,
            downloaded,
            len(doomed),
        )
    return PullReport(manifest.generation, True, False, downloaded, received, len(doomed), kept)


def _download(remote: Remote, root: Path, name: str, entry: Entry) -> None:
    target = local_path(root, name)
    if target.is_dir():
        discard([target])
    with atomic_write(target) as temporary:
        try:
            remote.call(remote.fs.get_file, remote.object_key(entry.sha256), str(temporary))
        except FileNotFoundError:
            raise StoreError(
                _(
                    "The shared analytics store %(url)s changed during this pull (%(path)s is "
                    "gone); the next pull tries again."
                )
                % {"url": remote.url, "path": name}
            ) from None
        if temporary.stat().st_size != entry.size or sha256_of(temporary) != entry.sha256:
            raise StoreError(
                _(
                    "%(path)s downloaded from %(url)s does not match its manifest (size or "
                    "SHA-256); nothing of it was written. Push it again from the server that "
                    "has it."
                )
                % {"url": remote.url, "path": name}
            )
        stamp = int(entry.mtime * 1e9)
        os.utime(temporary, ns=(stamp, stamp))


def _remove(root: Path, names: list[str]) -> None:
    paths = [local_path(root, name) for name in names]
    discard(paths)
    for folder in sorted({p.parent for p in paths}, key=lambda p: len(p.parts), reverse=True):
        while folder != root and folder.is_relative_to(root):
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break
            folder = folder.parent


def status(settings: Settings) -> dict[str, Any]:
    """The mirror's state: the URL, the remote and last pulled generations, and the paths a
    push would send (``to_push``: changed or new; ``to_remove``: removed here) and a pull
    would take (``to_pull``: differing from the shared store). Raises :class:`StoreError`."""
    root = settings.analytics_dir
    remote = open_remote(settings)
    manifest = remote.read_manifest()
    with locked(root):
        base, local, pulled = read_base(root), scan(root), read_generation(root)
    return {
        "url": remote.url,
        "endpoint": remote.endpoint,
        "remote_generation": manifest.generation,
        "pulled_generation": pulled,
        "local_files": len(local),
        "remote_files": len(manifest.files),
        "to_push": sorted(p for p, e in local.items() if not e.same_bytes(base.files.get(p))),
        "to_remove": sorted(p for p in base.files if p not in local),
        "to_pull": sorted(
            {p for p, e in manifest.files.items() if not e.same_bytes(local.get(p))}
            | {p for p in base.files if p not in manifest.files and p in local}
        ),
    }


def push_if_shared(settings: Settings) -> PushReport | None:
    """:func:`push` when ``IOFS_ANALYTICS_URL`` is set (None otherwise): the hook called after
    ingests, fetches and slice removals. Raises :class:`StoreError`."""
    if not settings.analytics_url:
        return None
    return push(settings)


def push_quietly(settings: Settings) -> PushReport | None:
    """:func:`push_if_shared`, a failure logged instead of raised (web requests, jobs: the
    change is made locally and the next push sends it)."""
    try:
        return push_if_shared(settings)
    except StoreError as error:
        log.warning("analytics store not pushed: %s", error)
        return None
