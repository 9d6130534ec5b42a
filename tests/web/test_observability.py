"""Watching it run (#21 item 8): request ids, /metrics in the Prometheus text format (only for
allowed addresses), and JSON log lines carrying the request id."""

from __future__ import annotations

import json
import logging

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session, sessionmaker

from iofs.config import Settings
from iofs.http.logs import JsonFormatter, RequestIdFilter, logging_config
from iofs.web.app import create_app


def _client(settings: Settings, allow: list[str], address: str) -> TestClient:
    app = create_app(settings.model_copy(update={"metrics_allow": allow}))
    return TestClient(app, client=(address, 50000))


def test_every_answer_carries_a_request_id(client: TestClient) -> None:
    mine = client.get("/healthz", headers={"X-Request-ID": "probe-42"})
    assert mine.headers["X-Request-ID"] == "probe-42"
    made = client.get("/api/v1/members", headers={"X-Request-ID": "bad id\nwith newline"})
    assert made.headers["X-Request-ID"] != "bad id\nwith newline"
    assert len(made.headers["X-Request-ID"]) == 32
    refused = client.get("/api/v1/no-such-thing")
    assert refused.status_code == 404 and refused.headers["X-Request-ID"]


def test_metrics_count_requests_by_route_template(
    settings: Settings, loaded_registry: sessionmaker[Session]
) -> None:
    with _client(settings, ["127.0.0.1/32"], "127.0.0.1") as client:
        for iso3 in ("KAZ", "EGY", "SEN"):
            client.get(f"/api/v1/members/{iso3}")
        client.get("/api/v1/members/XXX")
        answer = client.get("/metrics", headers={"Accept": "text/plain"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(answer.text)}
    counts = {
        (s.labels["route"], s.labels["status"]): s.value
        for s in families["iofs_http_requests"].samples
        if s.name == "iofs_http_requests_total"
    }
    route = next(r for r, _status in counts if r.startswith("/api/v1/members/{"))
    assert counts[(route, "200")] == 3 and counts[(route, "404")] == 1
    histogram = families["iofs_http_request_duration_seconds"].samples
    assert any(s.name.endswith("_count") and s.value == 4 for s in histogram)


def test_metrics_are_refused_to_other_addresses(settings: Settings) -> None:
    with _client(settings, ["127.0.0.1/32"], "10.1.2.3") as client:
        answer = client.get("/metrics", params={"lang": "fr"})
    assert answer.status_code == 403
    assert "IOFS_METRICS_ALLOW" in answer.text and "métriques" in answer.text


def test_json_log_lines_carry_the_request_id(client: TestClient) -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep()
    keep.addFilter(RequestIdFilter())
    access = logging.getLogger("iofs.access")
    access.addHandler(keep)
    access.setLevel(logging.INFO)
    try:
        client.get("/api/v1/members/KAZ", headers={"X-Request-ID": "trace-7"})
    finally:
        access.removeHandler(keep)
    line = json.loads(JsonFormatter().format(records[-1]))
    assert line["request_id"] == "trace-7" and line["status"] == 200
    assert line["route"].startswith("/api/v1/members/{") and line["path"] == "/api/v1/members/KAZ"
    assert line["level"] == "info" and line["duration_ms"] >= 0
    config = logging_config("info", "json")
    assert config["formatters"]["iofs"]["()"] is JsonFormatter
    assert "%(request_id)s" in logging_config("info", "text")["formatters"]["iofs"]["format"]
