"""``rescue serve`` as an operator runs it: a real uvicorn process on a loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from rescue.case import Case


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_rescue_serve_answers_on_loopback_with_the_security_headers(sqlite_case: Case) -> None:
    port = _free_port()
    rescue = Path(sys.executable).with_name("rescue")
    process = subprocess.Popen(
        [str(rescue), "serve", "--case", str(sqlite_case.root), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "rescue serve did not start in 60 s"
                time.sleep(0.3)
        assert health.json() == {"status": "ok"}
        login = httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)
        assert (
            login.status_code == 200
            and "frame-ancestors 'none'" in login.headers["content-security-policy"]
        )
        assert "server" not in login.headers  # no version banner for a scanner
        assert httpx.get(f"http://127.0.0.1:{port}/api/persons", timeout=5).status_code == 401
    finally:
        process.terminate()
        process.communicate(timeout=30)  # also closes the pipe


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_workers_share_the_port_and_stop_together(sqlite_case: Case) -> None:
    port = _free_port()
    rescue = Path(sys.executable).with_name("rescue")
    process = subprocess.Popen(
        [str(rescue), "serve", "--case", str(sqlite_case.root), "--port", str(port),
         "--workers", "2", "--hotline-every", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        answered = 0
        while answered < 20:
            assert time.monotonic() < deadline, "the workers did not answer in 90 s"
            try:  # a new connection each time, so both workers' sockets are asked
                answered += httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).is_success
            except httpx.TransportError:
                time.sleep(0.3)
        workers = [p for p in _children(process.pid) if "spawn_main" in _cmdline(p)]
        assert len(workers) == 2
    finally:
        process.terminate()
        process.communicate(timeout=60)
    time.sleep(0.5)
    assert all(not Path(f"/proc/{p}").exists() for p in workers), "a worker outlived the server"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_rescue_serve_refuses_unknown_web_settings(sqlite_case: Case) -> None:
    toml = sqlite_case.root / "case.toml"
    toml.write_text(toml.read_text() + "\n[web]\nidle_minutes = 15\nidle_minuts = 5\n")
    rescue = Path(sys.executable).with_name("rescue")
    result = subprocess.run(
        [str(rescue), "serve", "--case", str(sqlite_case.root)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and "idle_minuts" in result.stderr
