"""The one resumable, checked HTTP downloader of iofs.

A download goes to ``<file>.part``, with the validators of the answer (ETag, Last-Modified)
kept beside it in ``<file>.part.json``. When it is interrupted (connection dropped, timeout,
process killed), the next attempt asks for the remaining bytes with ``Range`` and
``If-Range`` (RFC 9110 §14.2, §13.1.5): a server whose file changed meanwhile answers the
whole new file, which replaces the part. A file already downloaded is asked for again only if
changed, with ``If-None-Match`` / ``If-Modified-Since`` (RFC 9110 §13.1): ``304 Not
Modified`` is the outcome ``not_modified`` and nothing is written. The finished file is
checked against the size the server announced, against an expected SHA-256 when given, and
against its kind (a CSV is text with a separator, not an HTML page; a zip opens and its
members are intact) before it is renamed into place.

Transient failures (host unreachable, timeouts, 5xx and 429 answers, a body cut short) are
retried with exponential backoff, resuming from the part; others (404, 4xx, a check that
failed) stop at once. Every failure is a :class:`FetchError` whose message is one sentence
naming the URL and the reason, in the current language (:mod:`iofs.i18n`).
"""

from __future__ import annotations

import fcntl
import hashlib
import http.client
import json
import os
import socket
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from iofs.errors import InputError
from iofs.i18n import gettext as _

#: Bytes read per block (1 MiB).
CHUNK = 1 << 20
USER_AGENT = "iofs (+https://github.com/iofs)"

#: What a downloaded file must be: ``csv`` (text with a separator), ``zip`` or ``any``.
Kind = Literal["csv", "zip", "any"]
#: ``fetched``: new bytes in place; ``not_modified``: the server said the file is unchanged.
Outcome = Literal["fetched", "not_modified"]

#: Progress callback: (bytes received so far, total bytes or None when unknown).
Progress = Callable[[int, int | None], None]


class FetchError(RuntimeError):
    """A download failed or its result did not pass the checks; the message is one sentence
    naming the URL and why. ``transient``: worth retrying later (network, server)."""

    def __init__(
        self, message: str, url: str, transient: bool = False, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.url = url
        self.transient = transient
        self.status = status


class BadUrl(InputError):
    """A URL that cannot be fetched (not http/https, no host): bad input, not a network
    failure."""


@dataclass(frozen=True)
class Validators:
    """What identifies one version of a remote file (RFC 9110 §8.8): ETag and Last-Modified
    as the server sent them (None: not sent)."""

    etag: str | None = None
    last_modified: str | None = None

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)


@dataclass(frozen=True)
class Download:
    """The outcome of :func:`download`.

    ``size`` is the file's bytes and ``sha256`` its hex digest (for ``not_modified``: of the
    file already in place, when present); ``resumed_from`` the byte offset a resumed
    download continued at (0: from the start); ``validators`` those of the answer.
    """

    url: str
    path: Path
    outcome: Outcome
    size: int
    sha256: str | None
    validators: Validators
    resumed_from: int = 0
    attempts: int = 1


def check_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL with a host; else :class:`BadUrl`."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise BadUrl(
            _("%(url)s is not an http or https URL with a host name.") % {"url": repr(url)}, "url"
        )
    return url


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _part_paths(destination: Path) -> tuple[Path, Path]:
    part = destination.with_name(destination.name + ".part")
    return part, part.with_name(part.name + ".json")


def _read_part_validators(meta: Path) -> Validators:
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Validators()
    return Validators(data.get("etag"), data.get("last_modified"))


def _answer_validators(headers: Any) -> Validators:
    return Validators(headers.get("ETag"), headers.get("Last-Modified"))


def _total_size(response: http.client.HTTPResponse, offset: int) -> int | None:
    content_range = response.headers.get("Content-Range")
    if response.status == 206 and content_range and "/" in content_range:
        total = content_range.rsplit("/", 1)[1].strip()
        return int(total) if total.isdigit() else None
    length = response.headers.get("Content-Length")
    if length is None or not length.strip().isdigit():
        return None
    return int(length) + (offset if response.status == 206 else 0)


def _reason(error: BaseException) -> str:
    reason = getattr(error, "reason", None) or error
    if isinstance(reason, socket.gaierror):
        return _("the host name cannot be resolved")
    if isinstance(reason, ConnectionRefusedError):
        return _("connection refused: nothing listens on that port")
    if isinstance(reason, TimeoutError | socket.timeout):
        return _("no answer before the timeout")
    return str(reason).strip() or type(reason).__name__


def _not_found(url: str) -> str:
    return _("%(url)s: not found on the server (HTTP 404).") % {"url": url}


def _answered(url: str, error: urllib.error.HTTPError) -> str:
    return _("%(url)s: the server answered HTTP %(code)d %(reason)s.") % {
        "url": url,
        "code": error.code,
        "reason": error.reason,
    }


def _unreachable(url: str, error: BaseException) -> str:
    return _("%(url)s: the host cannot be reached (%(reason)s).") % {
        "url": url,
        "reason": _reason(error),
    }


def check_kind(path: Path, kind: Kind, url: str) -> None:
    """Raise :class:`FetchError` unless ``path`` is a ``kind`` file (``csv``: text whose
    first line holds a separator and no NUL byte, not an HTML page; ``zip``: opens and every
    member's CRC is right)."""
    if kind == "csv":
        with path.open("rb") as handle:
            head = handle.read(4096)
        text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        first = text.split(b"\n", 1)[0]
        if (
            not text
            or b"\x00" in head
            or text[:1] == b"<"
            or not any(sep in first for sep in (b",", b";", b"\t", b"|"))
        ):
            shown = text[:40].decode("utf-8", "replace") or "nothing"
            raise FetchError(
                _("%(url)s: the download is not a CSV file (it starts with %(start)s).")
                % {"url": url, "start": repr(shown)},
                url,
            )
    elif kind == "zip":
        try:
            with zipfile.ZipFile(path) as archive:
                bad = archive.testzip()
        except zipfile.BadZipFile:
            raise FetchError(
                _("%(url)s: the download is not a zip file.") % {"url": url}, url
            ) from None
        if bad is not None:
            raise FetchError(
                _("%(url)s: member %(member)s of the zip is damaged.")
                % {"url": url, "member": bad},
                url,
            )


def download(
    url: str,
    destination: Path,
    *,
    known: Validators | None = None,
    sha256: str | None = None,
    kind: Kind = "any",
    progress: Progress | None = None,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 1.0,
) -> Download:
    """Download ``url`` to ``destination``; return what happened.

    ``known``: the validators of the copy at ``destination`` (from the last run); when given
    and the file exists, the request is conditional and a ``304`` returns ``not_modified``.
    ``sha256``: the expected digest. ``timeout``: seconds without data before an attempt
    fails; ``retries``: further attempts after a transient failure, waiting ``backoff × 2ⁿ``
    seconds before the n-th. Raises :class:`BadUrl` for a URL that cannot be fetched and
    :class:`FetchError` otherwise; the ``.part`` file is kept for a resume, except after a
    failed check of a complete file.
    """
    check_url(url)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(destination, url):
        attempt = 0
        while True:
            attempt += 1
            try:
                result = _attempt(url, destination, known, sha256, kind, progress, timeout)
            except FetchError as error:
                if not error.transient or attempt > retries:
                    raise
                time.sleep(backoff * 2 ** (attempt - 1))
                continue
            break
    return Download(
        result.url,
        result.path,
        result.outcome,
        result.size,
        result.sha256,
        result.validators,
        result.resumed_from,
        attempt,
    )


@contextmanager
def _exclusive(destination: Path, url: str) -> Iterator[None]:
    """Hold ``<file>.lock`` (an advisory lock, released when the process ends, even killed)
    while ``destination`` is downloaded: two fetches of one file (a schedule and a command)
    would otherwise append to the same part."""
    lock = destination.with_name(destination.name + ".lock")
    with lock.open("a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FetchError(
                _("%(url)s: another fetch is downloading this file; try again when it ends.")
                % {"url": url},
                url,
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _attempt(
    url: str,
    destination: Path,
    known: Validators | None,
    sha256: str | None,
    kind: Kind,
    progress: Progress | None,
    timeout: float,
) -> Download:
    part, meta = _part_paths(destination)
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310
    part_validators = _read_part_validators(meta) if offset else Validators()
    if offset:
        request.add_header("Range", f"bytes={offset}-")
        # If-Range (a strong ETag, else the date) makes a server whose file changed send the
        # whole new file instead of the rest of the old one.
        if part_validators.etag and not part_validators.etag.startswith("W/"):
            request.add_header("If-Range", part_validators.etag)
        elif part_validators.last_modified:
            request.add_header("If-Range", part_validators.last_modified)
    elif known and destination.exists():
        if known.etag:
            request.add_header("If-None-Match", known.etag)
        if known.last_modified:
            request.add_header("If-Modified-Since", known.last_modified)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - checked
    except urllib.error.HTTPError as error:
        error.close()
        if error.code == 304:
            size = destination.stat().st_size if destination.exists() else 0
            digest = sha256_of(destination) if destination.exists() else None
            return Download(url, destination, "not_modified", size, digest, known or Validators())
        if error.code == 416 and offset:
            # The part is already whole (or longer than the file): start again from byte 0.
            part.unlink(missing_ok=True)
            meta.unlink(missing_ok=True)
            return _attempt(url, destination, known, sha256, kind, progress, timeout)
        if error.code == 404:
            raise FetchError(_not_found(url), url, status=404) from None
        transient = error.code >= 500 or error.code == 429
        raise FetchError(_answered(url, error), url, transient, error.code) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        raise FetchError(_unreachable(url, error), url, True) from None
    with response:
        if offset and response.status != 206:
            offset = 0  # the server sent the whole (possibly new) file: start over
        validators = _answer_validators(response.headers)
        total = _total_size(response, offset)
        if not offset:
            meta.write_text(
                json.dumps({"etag": validators.etag, "last_modified": validators.last_modified}),
                encoding="utf-8",
            )
        else:
            validators = validators or part_validators
        written = offset
        try:
            with part.open("ab" if offset else "wb") as out:
                while True:
                    # read1: what has arrived (up to CHUNK), so that the part on disk keeps
                    # up with the transfer and a killed process loses next to nothing.
                    block = response.read1(CHUNK)
                    if not block:
                        break
                    out.write(block)
                    out.flush()
                    written += len(block)
                    if progress is not None:
                        progress(written, total)
        except (OSError, http.client.HTTPException) as error:
            raise FetchError(
                _(
                    "%(url)s: the connection broke after %(received)d bytes (%(reason)s); "
                    "the next attempt resumes there."
                )
                % {"url": url, "received": written, "reason": _reason(error)},
                url,
                True,
            ) from None
    size = part.stat().st_size
    if total is not None and size < total:
        raise FetchError(
            _(
                "%(url)s: the connection closed after %(received)d of %(total)d bytes "
                "(truncated); the next attempt resumes there."
            )
            % {"url": url, "received": size, "total": total},
            url,
            True,
        )
    if total is not None and size > total:
        part.unlink()
        meta.unlink(missing_ok=True)
        raise FetchError(
            _("%(url)s: received %(received)d bytes, more than the %(total)d announced.")
            % {"url": url, "received": size, "total": total},
            url,
            True,
        )
    checksum = sha256_of(part)
    try:
        if sha256 and checksum.lower() != sha256.strip().lower():
            raise FetchError(
                _("%(url)s: SHA-256 %(actual)s does not match the expected %(expected)s.")
                % {"url": url, "actual": checksum, "expected": sha256},
                url,
            )
        check_kind(part, kind, url)
    except FetchError:
        part.unlink(missing_ok=True)
        meta.unlink(missing_ok=True)
        raise
    os.replace(part, destination)
    meta.unlink(missing_ok=True)
    return Download(url, destination, "fetched", size, checksum, validators, offset)


def get_json(url: str, *, timeout: float = 60.0, retries: int = 3, backoff: float = 1.0) -> Any:
    """The JSON document at ``url`` (an API answer), with the retries of :func:`download`;
    :class:`FetchError` when it cannot be read or is not JSON (a 404 included)."""
    check_url(url)
    attempt = 0
    while True:
        attempt += 1
        request = urllib.request.Request(  # noqa: S310 - checked above
            url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                body = response.read()
            return json.loads(body)
        except urllib.error.HTTPError as error:
            error.close()
            transient = error.code >= 500 or error.code == 429
            failure = FetchError(
                _not_found(url) if error.code == 404 else _answered(url, error),
                url,
                transient,
                error.code,
            )
        except ValueError:
            raise FetchError(_("%(url)s: the answer is not JSON.") % {"url": url}, url) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            failure = FetchError(_unreachable(url, error), url, True)
        if not failure.transient or attempt > retries:
            raise failure
        time.sleep(backoff * 2 ** (attempt - 1))
