"""The ``label`` filter and global of the templates: ``{{ commodity | label("commodity") }}``.

The filter reads the request from the template context. While the request's own database
session is open (:func:`iofs.http.deps.request_session`), it uses that session's lookup (one
stamp check per request, shared with the services that label through the same session, and no
second connection); otherwise it keeps one :class:`~iofs.labels.cache.Lookup` on
``request.state``, made from the app's session factory. Without a request (a document
rendered outside the web app) it gives the ``default`` or the code: the English the data
holds.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from iofs import i18n
from iofs.http.deps import request_session
from iofs.labels.cache import Lookup, bind, session_lookup
from iofs.labels.domains import FALLBACK

STATE_KEY = "labels_lookup"


def request_lookup(request: Any) -> Lookup | None:
    """The request's lookup (made on first use and bound to the request's context, so that
    :func:`iofs.labels.service.label` without a session finds it), or None without an app
    session factory."""
    state = getattr(request, "state", None)
    if state is None:
        return None
    lookup = getattr(state, STATE_KEY, None)
    if isinstance(lookup, Lookup):
        bind(lookup)
        return lookup
    session = request_session(request)
    if session is not None:  # not kept on the state: the session closes with the request
        lookup = session_lookup(session)
        bind(lookup)
        return lookup
    factory = getattr(getattr(request.app, "state", None), "session_factory", None)
    if factory is None:
        return None
    lookup = Lookup.of_factory(factory)
    setattr(state, STATE_KEY, lookup)
    bind(lookup)
    return lookup


@pass_context
def label_filter(context: Context, code: Any, domain: str, default: str | None = None) -> str:
    """``code``'s label in ``domain`` in the page's language (English, ``default`` or the
    code when there is none)."""
    if code is None or code == "":
        return default or ""
    lookup = request_lookup(context.get("request"))
    if lookup is None:
        return default if default is not None else str(code)
    return lookup(domain, code, None, default)


def localized(record: Any, field: str) -> str:
    """A record's own translation of ``field`` in the page's language (``name_ar``,
    ``title_fr``: reserve systems, appeals and programmes keep theirs in their rows), else
    the field itself. Records that carry no translation columns use :func:`label_filter`."""
    language = i18n.current_language()
    own = getattr(record, f"{field}_{language}", None) if language != FALLBACK else None
    return str(own or getattr(record, field, "") or "")


def install(environment: Environment) -> None:
    """Make ``label`` a filter and a global of ``environment``, and ``localized`` a global."""
    environment.filters["label"] = label_filter
    environment.globals["label"] = label_filter
    environment.globals["localized"] = localized
