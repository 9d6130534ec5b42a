"""Background jobs in the browser: a programme workbook uploaded from the entry page, the
job page following it (htmx polling) until "succeeded", in English, Arabic and at 390 px."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest

from iofs.accounts.service import cli_principal
from iofs.config import Settings
from iofs.db import make_engine, make_session_factory, transaction
from iofs.jobs.worker import Worker
from iofs.programmes import demo
from tests.browser.test_accounts import sign_in_as

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def job_worker(live_settings: Settings) -> Iterator[Worker]:
    """The programmes demo loaded, and a job worker running beside the live server (as
    ``iofs serve`` runs its embedded one)."""
    engine = make_engine(live_settings.resolved_database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            demo.load(session, cli_principal())
    finally:
        engine.dispose()
    worker = Worker(live_settings.model_copy(update={"jobs_poll_seconds": 0.2}))
    thread = threading.Thread(target=worker.run, name="browser-jobs", daemon=True)
    thread.start()
    yield worker
    worker.stop(grace=5)
    thread.join(timeout=15)
    worker.close()


def _workbook(page: Any) -> bytes:
    template = page.request.get("/api/v1/programmes/template.xlsx")
    assert template.ok
    book = openpyxl.load_workbook(io.BytesIO(template.body()))
    sheet = book["contributions"]
    headers = [cell.value for cell in sheet[1]]
    row = {
        "reference": "XL-BROWSER-1",
        "donor": "KAZ",
        "appeal": "F4H-GAZA",
        # a pledge: the browser tests share one server, and the appeal's funded total (paid
        # and committed money) is checked by tests/browser/test_programmes.py
        "status": "pledge",
        "decided_on": "2025-04-01",
        "currency": "USD",
        "amount": "1500",
    }
    sheet.append([row.get(str(name)) for name in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_upload_runs_as_a_job_whose_page_reaches_succeeded(
    page: Any, job_worker: Worker
) -> None:
    sign_in_as(page, "secretariat@iofs.example")
    page.goto("/programmes/entry?lang=en#upload")
    page.set_input_files(
        "#upload-form input[type=file]",
        files=[
            {
                "name": "contributions.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": _workbook(page),
            }
        ],
    )
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    job_url = page.url
    # the panel refreshes itself (htmx) until the worker has run the job
    page.wait_for_selector("#job-state[data-state=succeeded]", timeout=60_000)
    assert "contributions: 1 new, 0 changed, 0 unchanged" in page.inner_text("#job-summary")
    assert page.locator("#job-panel[hx-trigger]").count() == 0  # polling stopped
    page.click("text=The review queue: the new figures")
    page.wait_for_url(re.compile(r"/programmes/review"))
    # my jobs list it; Arabic reads right to left with the state translated
    page.goto("/jobs?lang=ar")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("#job-table .badge.job-succeeded").first.inner_text() == "نجحت"
    # it fits a phone's width
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(job_url + "?lang=fr")
    assert page.inner_text("#job-state") == "Réussie"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the job page is {width} px wide at 390 px"
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(job_url + "?lang=en")
    assert page.locator("#job-panel").is_visible()
