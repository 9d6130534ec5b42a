"""An accession's passport names MCPD codes ("Farm store 26", not "26") and lists REMARKS one
entry at a time without repeating the field prefix."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.db import transaction
from iofs.genebank import demo


def test_passport_code_lists_named_with_code_beside(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
    page = client.get("/genebank/accessions/1?lang=en")
    assert page.status_code == 200
    passport = page.text.split('class="facts passport"', 1)[1].split("</dl>", 1)[0]
    text = re.sub(r"<[^>]+>", "", passport)
    assert "Farm store 26" in text
    assert "Long term 13" in text
    assert "Yes (included) 1" in text
    assert "REMARKS:" not in text
    assert '<ul class="remarks"><li>Illustrative record' in passport
