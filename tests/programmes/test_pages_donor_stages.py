"""The donor table of an appeal counts stages cumulatively: a paid contribution was committed
and pledged too (OCHA FTS stages), so Pledged ≥ Committed ≥ Paid on every line."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs.programmes.figures import Funding
from iofs.programmes.models import Contribution


def test_cumulative_stages_by_hand() -> None:
    funding = Funding()
    for status, usd in (("pledge", "100"), ("commitment", "200"), ("paid", "300"), ("paid", "50")):
        funding.add(Contribution(status=status, amount_usd=Decimal(usd)))
    # Hand-computed: pledged at any stage 100 + 200 + 300 + 50; committed 200 + 350; paid 350.
    assert funding.pledged_total == Decimal("650")
    assert funding.committed_total == Decimal("550")
    assert funding.paid == Decimal("350")
    assert funding.funded == Decimal("550")
    assert funding.pledged == Decimal("100")  # still only pledged: not counted as funding


def test_appeal_donor_table_shows_paid_money_as_pledged_and_committed(
    client: TestClient, programme_data: sessionmaker[Session]
) -> None:
    page = client.get("/programmes/appeals/F4H-GAZA?lang=en")
    assert page.status_code == 200
    table = page.text.split('id="donors"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td><a [^>]*>([^<]+)</a></td>(.*?)</tr>", table)
    assert rows
    for name, cells in rows:
        values = [
            Decimal(v.replace(",", ""))
            for v in re.findall(r'<td class="number"><bdi dir="ltr">([\d,.]+)</bdi></td>', cells)
        ]
        pledged, committed, paid = values[:3]
        assert pledged >= committed >= paid, (name, values)
        if paid > 0:
            assert pledged > 0 and committed > 0, (name, values)


def test_entry_lists_each_indicator_once_with_its_owner(
    client: TestClient, programme_data: sessionmaker[Session]
) -> None:
    from tests.conftest import make_user, sign_in

    make_user(programme_data, "entry@stages.example", "secretariat")
    sign_in(client, "entry@stages.example")
    page = client.get("/programmes/entry?lang=en")
    assert page.status_code == 200
    select = page.text.split('id="indicator-indicator"', 1)[1].split("</select>", 1)[0]
    labels = re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", select)
    assert len(labels) >= 2
    assert len(labels) == len(set(labels)), labels
    assert any(label.endswith("project AFSP-AFG") for label in labels), labels
