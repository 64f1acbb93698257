"""`annotrace serve` as a process: demo data, health, graceful shutdown."""

from __future__ import annotations

import signal

import httpx
import pytest

from tests.support.servers import start_server, stop

DEMO = {"X-Api-Key": "atk_demo", "X-Secret-Key": "ats_demo"}


def test_serve_demo_answers_with_the_published_keys(database_url: str, tmp_path) -> None:
    with start_server(database_url, tmp_path, extra_args=("--demo",)) as server:
        health = httpx.get(f"{server.base_url}/healthz").json()
        assert health["database"] == (
            "sqlite" if database_url.startswith("sqlite") else "postgresql"
        )
        projects = httpx.get(f"{server.base_url}/api/v1/projects", headers=DEMO).json()
        assert {project["name"] for project in projects} >= {"support-bot", "rag-docs-qa"}
        assert sum(project["trace_count"] for project in projects) == 300
        stop(server)
    log = server.log()
    assert "demo@annotrace.local" in log
    assert "atk_demo" in log
    assert "Shutting down" in log
    assert "Finished server process" in log


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_the_server_gracefully(database_url: str, tmp_path, signal_number) -> None:
    with start_server(database_url, tmp_path) as server:
        server.process.send_signal(signal_number)
        # uvicorn finishes the shutdown, then re-raises the signal so that the exit status
        # tells a service manager why the process ended.
        assert server.process.wait(30) in {0, -signal_number, 128 + signal_number}
    log = server.log()
    assert "Application shutdown complete" in log
    assert "Finished server process" in log
    assert "Traceback" not in log
