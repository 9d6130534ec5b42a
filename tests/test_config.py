"""Settings: embedded defaults, secret key handling, one-sentence errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from iofs.cli import app
from iofs.config import Settings, SettingsError, load_settings


def test_embedded_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("IOFS_DATA_DIR", "IOFS_DATABASE_URL", "IOFS_SECRET_KEY", "IOFS_ENV"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.data_dir == Path("var")
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'var' / 'iofs.sqlite3'}"
    assert settings.port == 8000


def test_secret_key_generated_once_and_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = settings.resolved_secret_key()
    assert len(first) >= 48
    assert Settings(data_dir=tmp_path).resolved_secret_key() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("secret", ["changeme", "secret", "short-but-not-placeholder"])
def test_placeholder_secret_refused_outside_development(secret: str) -> None:
    with pytest.raises(SettingsError, match="IOFS_SECRET_KEY"):
        load_settings(secret_key=secret, env="production")
    assert load_settings(secret_key=secret, env="development").secret_key == secret


def test_invalid_port_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IOFS_PORT", "eighty")
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith("Invalid setting IOFS_PORT='eighty'")
    assert "\n" not in message


def test_unsupported_database_refused() -> None:
    with pytest.raises(SettingsError, match=r"IOFS_DATABASE_URL.*SQLite and PostgreSQL"):
        load_settings(database_url="mysql://root@localhost/iofs")


def test_cli_reports_invalid_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IOFS_PORT", "99999")
    result = CliRunner().invoke(app, ["db", "current"])
    assert result.exit_code == 2
    assert "Invalid setting IOFS_PORT=" in result.output
    assert "Traceback" not in result.output
