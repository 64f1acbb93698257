"""annotrace: self-hosted annotation of LLM traces."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["AsyncClient", "Client", "__version__"]

if TYPE_CHECKING:
    from annotrace.client import AsyncClient, Client


def __getattr__(name: str) -> Any:
    # The client is imported when asked for: the server and the CLI do not need it.
    if name in ("Client", "AsyncClient"):
        from annotrace import client

        return getattr(client, name)
    raise AttributeError(f"module 'annotrace' has no attribute {name!r}")
