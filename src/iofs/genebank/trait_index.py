"""An in-memory index of trait observations for trait search ("DRT >= 7, DTH <= 110").

Why: a condition like ``DRT >= 224`` over 10 M observations matches hundreds of thousands of
them; reading those ids from a database index and intersecting them costs 0.6–1.2 s on
PostgreSQL and SQLite alike, whatever the indexes. Here each trait's observations are held
as two arrays sorted by value (the values, float64, and their accessions' ids, int32): a
condition is a binary search and a slice, the intersection a boolean mask over accession
ids, and availability (what the public may see) one more mask — a few milliseconds. Other
filters (genus, crop, country, status, text) are left to the database, over the
intersected accessions only.

Consistency: :class:`~iofs.genebank.models.TraitIndexState` holds two tokens, renewed in
the transaction of every write of observations (:func:`observations_changed`, by the trait
service) and of accessions (:func:`accessions_changed`, by the search counts every passport
write keeps); after writes behind the services' back, ``iofs genebank reindex``
(``rebuild_counts``) renews both. Each search reads the tokens (one
row) and re-reads what it needs when a token differs, so it never answers from data other
than its own transaction sees. Memory per process: about 12 bytes per observation (value and
accession id) of the traits searched so far, and 9 bytes per accession (its id, and the
availability mask, which BrAPI's germplasm pages also use to find a page's ids by key).

Rule: an accession meets a condition when at least one of its observations of that trait
meets it (the plain query ``EXISTS (an observation of the trait meeting it)``); numeric and
ordinal values are compared as numbers, nominal codes with ``=``.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.genebank.models import Observation, TraitIndexState

#: The one row of :class:`TraitIndexState`.
STATE_ID = 1


def _renew(session: Session, column: str) -> str:
    token = uuid.uuid4().hex
    state = session.get(TraitIndexState, STATE_ID, with_for_update=True)
    if state is None:
        state = TraitIndexState(id=STATE_ID, observations="", accessions="")
        session.add(state)
    setattr(state, column, token)
    session.flush()
    return token


def observations_changed(session: Session) -> str:
    """Renew the observations token in the session's transaction (observations are being
    written or were written); returns it. On PostgreSQL the row stays locked until the
    transaction ends."""
    return _renew(session, "observations")


def accessions_changed(session: Session) -> str:
    """Renew the accessions token in the session's transaction (accessions are being
    written or were written); returns it."""
    return _renew(session, "accessions")


def tokens(session: Session) -> tuple[str, str]:
    """(observations, accessions) tokens the session's transaction sees ('' before any
    write)."""
    row = session.execute(
        select(TraitIndexState.observations, TraitIndexState.accessions).where(
            TraitIndexState.id == STATE_ID
        )
    ).one_or_none()
    return ("", "") if row is None else (row[0] or "", row[1] or "")


@dataclass
class TraitValues:
    """One trait's observations: numeric and ordinal values sorted, with the accession id of
    each; nominal codes → the sorted, distinct accession ids observed with that code."""

    values: np.ndarray
    owners: np.ndarray
    codes: dict[str, np.ndarray] = field(default_factory=dict)


def _load_trait(session: Session, trait_id: int) -> TraitValues:
    """A trait's arrays. The database writes the values and their accession ids as two
    texts (in the same row order), numpy parses them in C and sorts them: no Python object
    per observation. Values as text keep every bit (PostgreSQL writes the shortest exact
    form, SQLite is asked for 17 significant digits)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        statement = (
            "SELECT string_agg(value_number::text, ','), string_agg(accession_id::text, ',')"
            " FROM genebank_observation WHERE trait_id = %s AND value_number IS NOT NULL"
        )
    else:
        statement = (
            "SELECT group_concat(printf('%.17g', value_number)), group_concat(accession_id)"
            " FROM genebank_observation WHERE trait_id = ? AND value_number IS NOT NULL"
        )
    values_text, owners_text = connection.exec_driver_sql(statement, (trait_id,)).one()
    values = np.fromstring(values_text or "", dtype=np.float64, sep=",")
    owners = np.fromstring(owners_text or "", dtype=np.int32, sep=",")
    order = np.lexsort((owners, values))
    values, owners = values[order], owners[order]
    by_code: dict[str, list[int]] = {}
    for code, accession_id in session.execute(
        select(Observation.value_code, Observation.accession_id).where(
            Observation.trait_id == trait_id, Observation.value_code != ""
        )
    ):
        by_code.setdefault(code, []).append(accession_id)
    codes = {c: np.unique(np.array(ids, dtype=np.int32)) for c, ids in by_code.items()}
    return TraitValues(values, owners, codes)


def _load_accessions(session: Session) -> tuple[np.ndarray, np.ndarray]:
    """Every accession id, sorted, and a mask over ids: True where the accession is
    available (the public's); read as two texts, as :func:`_load_trait` reads values."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        statement = (
            "SELECT string_agg(id::text, ','),"
            " string_agg(CASE WHEN available THEN '1' ELSE '0' END, ',') FROM genebank_accession"
        )
    else:
        statement = (
            "SELECT group_concat(id), group_concat(CASE WHEN available THEN 1 ELSE 0 END)"
            " FROM genebank_accession"
        )
    ids_text, flags_text = connection.exec_driver_sql(statement).one()
    ids = np.fromstring(ids_text or "", dtype=np.int64, sep=",")
    flags = np.fromstring(flags_text or "", dtype=np.int8, sep=",").astype(bool)
    order = np.argsort(ids, kind="stable")
    ids, flags = ids[order], flags[order]
    mask = np.zeros(int(ids[-1]) + 1 if ids.size else 0, dtype=bool)
    mask[ids[flags]] = True
    return ids, mask


@dataclass
class _Entry:
    observations: str = ""
    accessions: str = ""
    traits: dict[int, TraitValues] = field(default_factory=dict)
    ids: np.ndarray | None = None
    available: np.ndarray | None = None
    available_ids: np.ndarray | None = None


class _Cache:
    """Per database (engine URL): the arrays read so far and the tokens they were read
    under."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[str, _Entry] = {}

    def _entry(self, session: Session) -> tuple[str, _Entry, tuple[str, str]]:
        key = session.get_bind().engine.url.render_as_string(hide_password=True)
        observations, accessions = tokens(session)
        entry = self.entries.get(key) or _Entry()
        fresh = _Entry(observations, accessions)
        if observations and observations == entry.observations:
            fresh.traits = entry.traits
        if accessions and accessions == entry.accessions:
            fresh.ids, fresh.available = entry.ids, entry.available
            fresh.available_ids = entry.available_ids
        return key, fresh, (observations, accessions)

    def traits(self, session: Session, trait_ids: list[int]) -> dict[int, TraitValues]:
        """The arrays of ``trait_ids`` as the session's transaction sees them."""
        with self.lock:
            key, entry, (observations, _accessions) = self._entry(session)
            traits = dict(entry.traits)
            for trait_id in trait_ids:
                if trait_id not in traits:
                    traits[trait_id] = _load_trait(session, trait_id)
            entry.traits = traits if observations else {}
            self.entries[key] = entry
            return {t: traits[t] for t in trait_ids}

    def _accessions(self, session: Session) -> tuple[str, _Entry]:
        key, entry, (_observations, accessions) = self._entry(session)
        if entry.ids is None or entry.available is None:
            entry.ids, entry.available = _load_accessions(session)
            entry.available_ids = None
        if accessions:  # a database never written through the services is not cached
            self.entries[key] = entry
        return key, entry

    def available(self, session: Session) -> np.ndarray:
        """The availability mask as the session's transaction sees it."""
        with self.lock:
            _key, entry = self._accessions(session)
            assert entry.available is not None
            return entry.available

    def accession_ids(self, session: Session, available: bool | None = None) -> np.ndarray:
        """Accession ids in order: all, or only the available (``True``) or unavailable
        (``False``) ones, as the session's transaction sees them (BrAPI pages by key)."""
        with self.lock:
            _key, entry = self._accessions(session)
            assert entry.ids is not None and entry.available is not None
            if available is None:
                return entry.ids
            if available:
                if entry.available_ids is None:
                    entry.available_ids = keep(entry.ids, entry.available)
                return entry.available_ids
            return keep(entry.ids, entry.available, False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


CACHE = _Cache()


def matching_ids(values: TraitValues, operator: str, number: float | None, code: str) -> np.ndarray:
    """Accession ids (possibly repeated) with an observation meeting ``operator`` against
    ``number`` (numeric and ordinal) or equal to ``code`` (nominal)."""
    if number is None:
        return values.codes.get(code, np.empty(0, dtype=np.int32))
    ordered = values.values
    if operator == ">=":
        return values.owners[np.searchsorted(ordered, number, "left") :]
    if operator == ">":
        return values.owners[np.searchsorted(ordered, number, "right") :]
    if operator == "<=":
        return values.owners[: np.searchsorted(ordered, number, "right")]
    if operator == "<":
        return values.owners[: np.searchsorted(ordered, number, "left")]
    start = np.searchsorted(ordered, number, "left")
    return values.owners[start : np.searchsorted(ordered, number, "right")]


def intersect(id_sets: list[np.ndarray]) -> np.ndarray:
    """The sorted, distinct accession ids present in every one of ``id_sets``."""
    if not id_sets or any(ids.size == 0 for ids in id_sets):
        return np.empty(0, dtype=np.int64)
    ordered = sorted(id_sets, key=len)
    size = max(int(ids.max()) for ids in ordered) + 1
    mask = np.zeros(size, dtype=bool)
    mask[ordered[0]] = True
    for ids in ordered[1:]:
        other = np.zeros(size, dtype=bool)
        other[ids] = True
        mask &= other
    return np.flatnonzero(mask)


def keep(ids: np.ndarray, mask: np.ndarray, wanted: bool = True) -> np.ndarray:
    """Those of ``ids`` whose place in ``mask`` is ``wanted`` (ids past its end: False)."""
    inside = ids < mask.size
    flags = np.zeros(ids.size, dtype=bool)
    flags[inside] = mask[ids[inside]]
    kept: np.ndarray = ids[flags == wanted]
    return kept
