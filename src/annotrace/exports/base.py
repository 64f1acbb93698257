"""The shape every export format has."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from typing import ClassVar

from annotrace.exports.records import ExportSpan


class ExportWriter(ABC):
    """Turns batches of spans, in order, into the bytes of one file.

    `records` counts what was written; `skipped` counts, by reason, the spans that could
    not become a record, so that nothing is dropped without saying so.
    """

    extension: ClassVar[str]
    media_type: ClassVar[str]

    def __init__(self) -> None:
        self.records = 0
        self.skipped: Counter[str] = Counter()

    def start(self) -> bytes:
        return b""

    @abstractmethod
    def write(self, spans: Sequence[ExportSpan]) -> bytes: ...

    def finish(self) -> bytes:
        return b""
