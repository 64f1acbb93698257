"""A real `annotrace serve` process on a free port, for tests that need a socket."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


@dataclass
class LiveServer:
    base_url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(server: LiveServer, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"server exited with {server.process.returncode} while starting:\n{server.log()}",
                pytrace=False,
            )
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"server not healthy after {timeout} s:\n{server.log()}", pytrace=False)


def stop(server: LiveServer, timeout: float = 30) -> int:
    """SIGTERM, as a service manager would; the exit code it ends with."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    return server.process.returncode


@contextmanager
def start_server(
    database_url: str, workdir: Path, *, extra_args: tuple[str, ...] = ()
) -> Iterator[LiveServer]:
    port = free_port()
    log_path = workdir / f"server-{port}.log"
    env = {**os.environ, "ANNOTRACE_DATA_DIR": str(workdir), "PYTHONUNBUFFERED": "1"}
    env.pop("ANNOTRACE_DATABASE_URL", None)
    command = [
        sys.executable,
        "-m",
        "annotrace",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--database-url",
        database_url,
        *extra_args,
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    server = LiveServer(f"http://127.0.0.1:{port}", database_url, process, log_path)
    try:
        wait_until_healthy(server)
        yield server
    finally:
        stop(server)
