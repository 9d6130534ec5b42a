"""Finding files on the Humanitarian Data Exchange (HDX), through its CKAN API.

HDX is a CKAN site: ``<base>/api/3/action/package_show?id=<dataset>`` answers
``{"success": true, "result": {"resources": [{"name", "url", "format", …}]}}`` (CKAN API
guide, "package_show"); each resource's ``url`` is where its file is downloaded. A dataset
that does not exist answers 404 (``"success": false``). The base URL is the setting
``IOFS_FETCH_HDX_URL`` (default ``https://data.humdata.org``), so tests and mirrors point
it elsewhere.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import quote, urljoin, urlsplit

from iofs.fetching.download import FetchError, get_json
from iofs.i18n import gettext as _


@dataclass(frozen=True)
class Resource:
    """One file of an HDX dataset: its ``name``, download ``url`` and ``format``."""

    name: str
    url: str
    format: str

    @property
    def file_name(self) -> str:
        """The last part of the download URL's path (``wfp_food_prices_afg.csv``)."""
        return urlsplit(self.url).path.rsplit("/", 1)[-1]


def slug(name: str) -> str:
    """HDX's dataset-name form of a country name: ASCII, lower case, runs of other
    characters as one hyphen ("Côte d'Ivoire" → ``cote-d-ivoire``, "Iran (Islamic Republic
    of)" → ``iran-islamic-republic-of``)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def package_show_url(base_url: str, dataset: str) -> str:
    """The CKAN ``package_show`` URL of ``dataset`` on the HDX at ``base_url``."""
    return f"{base_url.rstrip('/')}/api/3/action/package_show?id={quote(dataset, safe='')}"


def resources(
    base_url: str, dataset: str, *, timeout: float = 60.0, retries: int = 3, backoff: float = 1.0
) -> list[Resource] | None:
    """The files of an HDX dataset, or None when HDX has no such dataset (404).

    Raises :class:`~iofs.fetching.download.FetchError` when HDX cannot be asked or answers
    something that is not a CKAN dataset.
    """
    url = package_show_url(base_url, dataset)
    try:
        answer: Any = get_json(url, timeout=timeout, retries=retries, backoff=backoff)
    except FetchError as error:
        if error.status == 404:
            return None
        raise
    if not isinstance(answer, dict):
        _not_ckan(url)
    if not answer.get("success"):
        if "success" in answer:
            return None
        _not_ckan(url)
    result = answer.get("result")
    listed = result.get("resources") if isinstance(result, dict) else None
    if not isinstance(listed, list):
        _not_ckan(url)
    found: list[Resource] = []
    for item in listed:
        if isinstance(item, dict) and isinstance(item.get("url"), str) and item["url"]:
            found.append(
                Resource(
                    str(item.get("name") or ""),
                    urljoin(url, item["url"]),
                    str(item.get("format") or ""),
                )
            )
    return found


def _not_ckan(url: str) -> NoReturn:
    raise FetchError(
        _("%(url)s: the answer is not a CKAN dataset description.") % {"url": url}, url
    )


def find(found: list[Resource], file_name: str) -> Resource | None:
    """The resource whose download file or name is ``file_name`` (case-insensitive)."""
    wanted = file_name.lower()
    for resource in found:
        if resource.file_name.lower() == wanted or resource.name.lower() == wanted:
            return resource
    return None
