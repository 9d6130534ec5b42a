"""The deployment files under ``deploy/`` (#21 item 1), exercised as far as this machine allows:
systemd units verified by ``systemd-analyze`` and every command they start accepted by the CLI;
the nginx site proxying a real ``iofs serve`` (pages, compression, the client's address through
the trusted proxy); the container's entry point run for real on an empty data directory. (No
container engine runs here, so the image itself is not built.)"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
IOFS = Path(sys.executable).with_name("iofs")
UNITS = sorted((DEPLOY / "systemd").glob("iofs*.*"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _exec_lines(unit: Path) -> list[list[str]]:
    return [
        shlex.split(line.split("=", 1)[1])
        for line in unit.read_text().splitlines()
        if line.startswith(("ExecStart=", "ExecReload="))
    ]


def test_the_units_start_commands_the_cli_has() -> None:
    assert {u.name for u in UNITS} >= {
        "iofs.service",
        "iofs-worker.service",
        "iofs-backup.service",
        "iofs-backup.timer",
    }
    checked = 0
    for unit in UNITS:
        for command in _exec_lines(unit):
            if not command[0].endswith("/iofs"):
                continue
            # The same words with --help: Typer refuses an unknown command or option (exit 2).
            found = subprocess.run(
                [str(IOFS), *command[1:], "--help"], capture_output=True, text=True, timeout=120
            )
            assert found.returncode == 0, f"{unit.name}: {command}: {found.stderr[-400:]}"
            checked += 1
    assert checked == 3


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not found")
def test_the_units_verify(tmp_path: Path) -> None:
    for unit in UNITS:
        # Where the units expect the installation (/srv/iofs), this checkout's venv stands in.
        text = unit.read_text().replace("/srv/iofs/.venv/bin/iofs", str(IOFS))
        text = text.replace("WorkingDirectory=/srv/iofs", f"WorkingDirectory={tmp_path}")
        text = text.replace("User=iofs", "User=root").replace("Group=iofs", "Group=root")
        (tmp_path / unit.name).write_text(text)
    for unit in UNITS:
        found = subprocess.run(
            ["systemd-analyze", "verify", str(tmp_path / unit.name)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert found.returncode == 0, f"{unit.name}: {found.stderr}"


def _environment(data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "IOFS_DATA_DIR": str(data_dir),
        "IOFS_DATABASE_URL": f"sqlite:///{data_dir / 'iofs.sqlite3'}",
        "IOFS_SECRET_KEY": "deployment-test-secret-key-0123456789abcdef",
        "PATH": f"{IOFS.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        **extra,
    }


def test_the_container_entry_point_prepares_an_empty_data_directory(tmp_path: Path) -> None:
    entry = DEPLOY / "entrypoint.sh"
    assert os.access(entry, os.X_OK)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    ran = subprocess.run(
        [str(entry), "sh", "-c", "echo started"],
        env=_environment(data_dir),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert ran.stdout.strip().endswith("started")
    with sqlite3.connect(data_dir / "iofs.sqlite3") as connection:
        assert connection.execute("SELECT count(*) FROM member_state").fetchone() == (57,)
    again = subprocess.run(  # a restarted container runs it again: idempotent
        [str(entry), "true"], env=_environment(data_dir), capture_output=True, timeout=300
    )
    assert again.returncode == 0
    containerfile = (DEPLOY / "Containerfile").read_text()
    assert 'ENTRYPOINT ["deploy/entrypoint.sh"]' in containerfile
    assert "RUN make install" in containerfile and "/healthz" in containerfile


def _wait(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer 200 within {seconds:.0f} s")


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx not installed")
def test_nginx_proxies_iofs_with_the_clients_address(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = _environment(data_dir, IOFS_TRUSTED_PROXIES="127.0.0.1")
    subprocess.run([str(IOFS), "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([str(IOFS), "members", "load"], env=env, check=True, capture_output=True)
    app_port, proxy_port = _free_port(), _free_port()
    server = subprocess.Popen(
        [str(IOFS), "serve", "--port", str(app_port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    site = (DEPLOY / "nginx" / "iofs.conf").read_text()
    site = site.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{proxy_port};")
    for folder in ("logs", "temp"):
        (tmp_path / folder).mkdir()
    (tmp_path / "nginx.conf").write_text(
        "worker_processes 1;\npid nginx.pid;\nerror_log logs/error.log;\n"
        "events { worker_connections 64; }\n"
        "http {\n  access_log logs/access.log;\n"
        "  client_body_temp_path temp/body; proxy_temp_path temp/proxy;\n"
        "  fastcgi_temp_path temp/fastcgi; uwsgi_temp_path temp/uwsgi; scgi_temp_path temp/scgi;\n"
        f"  include {tmp_path / 'site.conf'};\n}}\n"
    )
    (tmp_path / "site.conf").write_text(site)
    prefix = ["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    checked = subprocess.run([*prefix, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    proxy = subprocess.Popen([*prefix, "-g", "daemon off;"], start_new_session=True)
    base = f"http://127.0.0.1:{proxy_port}"
    try:
        _wait(f"http://127.0.0.1:{app_port}/readyz", 60)
        _wait(f"{base}/readyz", 20)
        page = httpx.get(f"{base}/members", headers={"Accept-Encoding": "gzip"})
        assert page.status_code == 200 and page.headers.get("content-encoding") == "gzip"
        assert "Afghanistan" in page.text
        # /metrics answers only this machine: through the proxy, the app sees the client's
        # address (trusted proxy), so a client claiming to be elsewhere is refused…
        assert httpx.get(f"{base}/metrics").status_code == 200
        far = httpx.get(f"{base}/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        assert far.status_code == 403
    finally:
        os.killpg(proxy.pid, signal.SIGQUIT)
        os.killpg(server.pid, signal.SIGTERM)
        proxy.wait(20)
        server.wait(30)
