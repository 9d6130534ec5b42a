"""The jobs' pages and API: the workbook upload as a job from the page, the job page
following it (htmx panel), who may see a job (others: 404), cancel, and the schedules page."""

from __future__ import annotations

import io

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs.config import Settings
from iofs.jobs.worker import run_pending
from tests.conftest import ORIGIN, make_user, sign_in


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _workbook(client: TestClient, *rows: dict[str, object]) -> bytes:
    book = openpyxl.load_workbook(
        io.BytesIO(client.get("/api/v1/programmes/template.xlsx").content)
    )
    sheet = book["contributions"]
    headers = [cell.value for cell in sheet[1]]
    for values in rows:
        sheet.append([values.get(str(name)) for name in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


CONTRIBUTION = {
    "reference": "XL-JOB-1",
    "donor": "KAZ",
    "appeal": "F4H-GAZA",
    "status": "paid",
    "decided_on": "2025-04-01",
    "currency": "USD",
    "amount": "1000",
}


def test_the_upload_page_queues_a_job_whose_page_follows_it(
    client: TestClient, settings: Settings, programme_data: sessionmaker[Session]
) -> None:
    make_user(programme_data, "sec@iofs.example", "secretariat")
    assert sign_in(client, "sec@iofs.example").status_code == 303
    posted = client.post(
        "/programmes/entry/upload",
        headers={"Origin": ORIGIN},
        files={"file": ("sheet.xlsx", _workbook(client, CONTRIBUTION))},
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    page_url = posted.headers["location"]
    assert page_url.startswith("/jobs/")
    waiting = client.get(page_url)
    assert waiting.status_code == 200
    assert "Waiting in the queue" in waiting.text
    assert 'hx-trigger="every 2s"' in waiting.text  # the panel polls while the job waits
    assert "Programme workbook upload" in waiting.text
    assert len(run_pending(settings)) == 1
    panel = client.get(page_url, headers={"HX-Request": "true"})
    assert panel.status_code == 200
    assert panel.text.lstrip().startswith('<section id="job-panel"')
    assert "<html" not in panel.text and "hx-trigger" not in panel.text  # polling stops
    assert "Succeeded" in panel.text
    assert "contributions: 1 new, 0 changed, 0 unchanged" in panel.text
    assert 'href="/programmes/review"' in panel.text
    listing = client.get("/jobs")
    assert listing.status_code == 200 and page_url in listing.text
    french = client.get(page_url + "?lang=fr")
    assert "Réussi" in french.text


def test_a_refused_upload_lists_every_problem_on_the_job_page(
    client: TestClient, settings: Settings, programme_data: sessionmaker[Session]
) -> None:
    make_user(programme_data, "sec@iofs.example", "secretariat")
    assert sign_in(client, "sec@iofs.example").status_code == 303
    bad = {**CONTRIBUTION, "donor": "NOBODY"}
    posted = client.post(
        "/programmes/entry/upload",
        headers={"Origin": ORIGIN},
        files={"file": ("sheet.xlsx", _workbook(client, CONTRIBUTION, bad))},
        follow_redirects=False,
    )
    run_pending(settings)
    page = client.get(posted.headers["location"])
    assert "Failed" in page.text
    assert "Nothing was saved; problems found: 1." in page.text
    assert "<td>contributions</td>" in page.text and "<td>donor</td>" in page.text
    assert "Back to the upload form" in page.text


def test_another_focal_point_cannot_see_or_cancel_my_job(
    client: TestClient, settings: Settings, programme_data: sessionmaker[Session]
) -> None:
    _me, mine = make_user(programme_data, "kaz@iofs.example", "focal_point", ("KAZ",))
    _other, theirs = make_user(programme_data, "egy@iofs.example", "focal_point", ("EGY",))
    _sec, secretariat = make_user(programme_data, "sec@iofs.example", "secretariat")
    queued = client.post(
        "/api/v1/programmes/upload",
        headers=_bearer(mine),
        files={"file": ("sheet.xlsx", _workbook(client))},
    )
    assert queued.status_code == 202, queued.text
    url = queued.json()["url"]
    assert client.get(url, headers=_bearer(mine)).json()["state"] == "queued"
    assert client.get(url, headers=_bearer(theirs)).status_code == 404
    assert client.post(url + "/cancel", headers=_bearer(theirs)).status_code == 404
    assert client.get("/api/v1/jobs", headers=_bearer(theirs)).json()["items"] == []
    assert [j["id"] for j in client.get("/api/v1/jobs", headers=_bearer(mine)).json()["items"]] == [
        queued.json()["job"]
    ]
    everyone = client.get("/api/v1/jobs", headers=_bearer(secretariat)).json()["items"]
    assert everyone[0]["owner"] == "kaz"
    assert client.get(url).status_code == 401  # anonymous
    # the page too: 404 for the other focal point
    assert sign_in(client, "egy@iofs.example").status_code == 303
    assert client.get(f"/jobs/{queued.json()['job']}").status_code == 404
    # the owner cancels it; it never runs
    cancelled = client.post(url + "/cancel", headers=_bearer(mine))
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert run_pending(settings) == []


def test_the_schedules_page_is_the_secretariats(
    client: TestClient, settings: Settings, programme_data: sessionmaker[Session], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    make_user(programme_data, "kaz@iofs.example", "focal_point", ("KAZ",))
    make_user(programme_data, "sec@iofs.example", "secretariat")
    assert sign_in(client, "kaz@iofs.example").status_code == 303
    assert client.get("/jobs/schedules").status_code == 403
    refused = client.post(
        "/jobs/schedules",
        headers={"Origin": ORIGIN},
        data={"kind": "backup.snapshot", "cadence": "daily", "time": "02:00"},
    )
    assert refused.status_code == 403
    assert sign_in(client, "sec@iofs.example").status_code == 303
    page = client.get("/jobs/schedules")
    assert page.status_code == 200 and "No schedules yet." in page.text
    bad = client.post(
        "/jobs/schedules",
        headers={"Origin": ORIGIN},
        data={"kind": "backup.snapshot", "cadence": "daily", "time": "02:00", "params": "keep=3"},
    )
    assert bad.status_code == 422
    assert "takes the parameters directory, keep, with_secret_key" in bad.text
    added = client.post(
        "/jobs/schedules",
        headers={"Origin": ORIGIN},
        data={
            "kind": "backup.snapshot",
            "cadence": "weekly",
            "time": "03:30",
            "weekday": "4",
            "params": f"directory={tmp_path / 'backups'}\nkeep=3",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    listed = client.get("/jobs/schedules")
    assert "Every Friday at 03:30 UTC" in listed.text
    assert "Backup with retention" in listed.text
    disabled = client.post("/jobs/schedules/1/disable", headers={"Origin": ORIGIN})
    assert disabled.status_code == 200 and "Disabled" in disabled.text
    removed = client.post("/jobs/schedules/1/remove", headers={"Origin": ORIGIN})
    assert removed.status_code == 200 and "No schedules yet." in removed.text
