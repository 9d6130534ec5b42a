"""Every permission a module declares is described in Arabic and French, and the roles page
shows the description in the reader's language."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs import i18n
from iofs.modules import load_permissions
from iofs.permissions import REGISTRY
from tests.conftest import make_user, sign_in


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_every_declared_permission_is_described_in_the_language(language: str) -> None:
    load_permissions()
    catalog = i18n.translations(language)
    missing = [
        f"{permission.name}: {permission.description!r}"
        for permission in REGISTRY.values()
        if catalog.gettext(permission.description) == permission.description
    ]
    assert len(REGISTRY) >= 30
    assert not missing, (
        f"permission descriptions without a {language} translation (add them to "
        f"src/iofs/locale/{language}/LC_MESSAGES/permissions.po):\n" + "\n".join(missing)
    )


def test_the_roles_page_reads_in_french(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    make_user(loaded_registry, "admin@roles.example", "admin")
    sign_in(client, "admin@roles.example")
    page = client.get("/admin/permissions?lang=fr")
    assert page.status_code == 200, page.text[:300]
    assert "Lire et exporter le journal d&#39;audit" in page.text or (
        "Lire et exporter le journal d'audit" in page.text
    )
    assert "Read and export the audit log" not in page.text
