"""`client.projects`: the projects of the key's workspace.

for project in client.projects.list():
    print(project.name, project.trace_count)
"""

from __future__ import annotations

from annotrace.client.common import get
from annotrace.client.transport import AsyncTransport, SyncTransport
from annotrace.schemas.projects import ProjectRead

# Named here: inside the classes, `list` is their method.
ProjectReads = list[ProjectRead]


class Projects:
    """Projects through a blocking client."""

    def __init__(self, transport: SyncTransport) -> None:
        self._send = transport.send

    def list(self) -> ProjectReads:
        """Every project of the workspace, with its trace and span counts."""
        return self._send(get("/api/v1/projects", ProjectReads))


class AsyncProjects:
    """Projects through an async client: the same methods, awaited."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._send = transport.send

    async def list(self) -> ProjectReads:
        """Every project of the workspace, with its trace and span counts."""
        return await self._send(get("/api/v1/projects", ProjectReads))
