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


def test_edge_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IOFS_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8,2001:db8::/32")
    monkeypatch.setenv("IOFS_ALLOWED_HOSTS", "IOFS.example.org,localhost")
    monkeypatch.setenv("IOFS_PUBLIC_URL", "https://iofs.example.org/")
    settings = load_settings()
    assert settings.trusted_proxies == ["127.0.0.1/32", "10.0.0.0/8", "2001:db8::/32"]
    assert settings.allowed_hosts == ["iofs.example.org", "localhost"]
    assert settings.public_url == "https://iofs.example.org"
    assert settings.max_request_bytes == 25 * 1024 * 1024


def test_edge_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("IOFS_TRUSTED_PROXIES", "IOFS_ALLOWED_HOSTS", "IOFS_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.trusted_proxies == [] and settings.public_url is None
    assert settings.allowed_hosts == ["localhost", "127.0.0.1"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IOFS_TRUSTED_PROXIES", "10.0.0.0/8,proxy.lan"),
        ("IOFS_PUBLIC_URL", "iofs.example.org"),
        ("IOFS_MAX_REQUEST_BYTES", "10"),
    ],
)
def test_invalid_edge_settings_are_one_sentence(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).startswith(f"Invalid setting {name}=") and "\n" not in str(error.value)
