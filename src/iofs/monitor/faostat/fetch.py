"""Download FAOSTAT bulk zips from FAOSTAT's bulk-download service, with resume and checks.

FAOSTAT publishes each domain as ``<base>/<Domain>_E_All_Data_(Normalized).zip`` (base
``https://bulks-faostat.fao.org/production``; the list of files with their sizes is
``datasets_E.json`` there). A download goes to ``<file>.part``; when interrupted, the next
run asks for the remaining bytes (HTTP ``Range``) and appends them. The finished file is
checked against the size the server announced, against ``sha256`` when given, and must be a
readable zip, before it is renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DEFAULT_BASE_URL = "https://bulks-faostat.fao.org/production"

BULK_FILES: dict[str, str] = {
    "QCL": "Production_Crops_Livestock_E_All_Data_(Normalized).zip",
    "QV": "Value_of_Production_E_All_Data_(Normalized).zip",
    "FBS": "FoodBalanceSheets_E_All_Data_(Normalized).zip",
    "FBSH": "FoodBalanceSheetsHistoric_E_All_Data_(Normalized).zip",
    "TCL": "Trade_CropsLivestock_E_All_Data_(Normalized).zip",
    "TM": "Trade_DetailedTradeMatrix_E_All_Data_(Normalized).zip",
    "CP": "ConsumerPriceIndices_E_All_Data_(Normalized).zip",
    "FS": "Food_Security_Data_E_All_Data_(Normalized).zip",
    "OA": "Population_E_All_Data_(Normalized).zip",
}
CHUNK = 1 << 20


class FetchError(RuntimeError):
    """A download failed or its result did not pass the checks; the message says which."""


@dataclass
class FetchResult:
    """A finished download."""

    path: Path
    size: int
    sha256: str
    resumed_from: int


def bulk_url(domain: str, base_url: str = DEFAULT_BASE_URL) -> str:
    """The bulk zip URL of a domain code (QCL, FBS, TCL, TM, CP, FS, OA, QV, FBSH)."""
    code = domain.strip().upper()
    if code not in BULK_FILES:
        raise FetchError(f"unknown FAOSTAT domain {domain!r}; one of {', '.join(BULK_FILES)}")
    return base_url.rstrip("/") + "/" + urllib.parse.quote(BULK_FILES[code])


def _total_size(response: object, offset: int) -> int | None:
    headers = getattr(response, "headers", {})
    content_range = headers.get("Content-Range")
    if content_range and "/" in content_range:
        total = content_range.rsplit("/", 1)[1].strip()
        return int(total) if total.isdigit() else None
    length = headers.get("Content-Length")
    if length is None:
        return None
    return int(length) + (offset if getattr(response, "status", 200) == 206 else 0)


def download(
    url: str,
    destination: Path,
    sha256: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    timeout: float = 60.0,
) -> FetchResult:
    """Download ``url`` to ``destination`` (resuming a ``.part`` file); return what was
    written. Raises :class:`FetchError` on HTTP errors, size or checksum mismatch, or a
    damaged zip; the ``.part`` file is kept for a resume except after a failed check."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    part = destination.with_name(destination.name + ".part")
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "iofs"})  # noqa: S310
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        if not url.startswith(("http://", "https://")):
            raise FetchError(f"{url}: only http and https URLs are fetched")
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - checked above
    except urllib.error.HTTPError as error:
        if error.code == 416 and offset:
            # The .part file is already complete (or longer than the file): start over.
            part.unlink()
            return download(url, destination, sha256, progress, timeout)
        raise FetchError(f"{url}: HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        raise FetchError(f"{url}: {getattr(error, 'reason', error)}") from None
    with response:
        if offset and response.status != 206:
            offset = 0  # the server ignored Range: download the whole file again
        total = _total_size(response, offset)
        mode = "ab" if offset else "wb"
        written = offset
        with part.open(mode) as out:
            while True:
                block = response.read(CHUNK)
                if not block:
                    break
                out.write(block)
                written += len(block)
                if progress is not None:
                    progress(written, total)
    resumed_from = offset
    size = part.stat().st_size
    if total is not None and size != total:
        raise FetchError(
            f"{url}: received {size} bytes, the server announced {total}; "
            f"run the command again to resume"
        )
    digest = hashlib.sha256()
    with part.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    checksum = digest.hexdigest()
    if sha256 and checksum.lower() != sha256.strip().lower():
        part.unlink()
        raise FetchError(f"{url}: SHA-256 {checksum} does not match the expected {sha256}")
    if destination.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(part) as archive:
                bad = archive.testzip()
        except zipfile.BadZipFile:
            part.unlink()
            raise FetchError(f"{url}: the download is not a zip file") from None
        if bad is not None:
            part.unlink()
            raise FetchError(f"{url}: member {bad} of the zip is damaged")
    os.replace(part, destination)
    return FetchResult(destination, size, checksum, resumed_from)


def fetch_domain(
    domain: str,
    directory: Path,
    base_url: str = DEFAULT_BASE_URL,
    sha256: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> FetchResult:
    """Download the bulk zip of ``domain`` into ``directory``."""
    url = bulk_url(domain, base_url)
    return download(url, directory / BULK_FILES[domain.strip().upper()], sha256, progress)
