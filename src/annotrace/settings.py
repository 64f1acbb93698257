"""Settings, resolved once: command-line flags > environment (`ANNOTRACE_*`) > defaults."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class Settings(BaseSettings):
    """Every setting annotrace reads. Each maps to the environment variable `ANNOTRACE_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="ANNOTRACE_", extra="ignore", frozen=True)

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the database; `postgresql://...` or `sqlite:///path`. "
        "Default: a SQLite file `annotrace.sqlite` in the data directory.",
    )
    data_dir: Path = Field(
        default=Path("~/.annotrace"),
        description="Directory for the default SQLite database.",
    )
    host: str = Field(default="127.0.0.1", description="Interface the server listens on.")
    port: int = Field(default=6180, ge=1, le=65535, description="Port the server listens on.")
    max_request_bytes: int = Field(
        default=32 * MIB,
        ge=1024,
        description="Largest request body accepted, after decompression (bigger bodies get 413).",
    )
    max_bulk_records: int = Field(
        default=1_000,
        ge=1,
        description="Most records in one bulk annotation request, and most scores in one "
        "POST /api/v1/scores (more get 413).",
    )
    max_bulk_items: int = Field(
        default=50_000,
        ge=1,
        description="Most annotations and notes, all records together, in one bulk "
        "annotation request (more get 413).",
    )
    auth_failure_limit: int = Field(
        default=30,
        ge=1,
        description="Failed key checks and sign-ins allowed from one client address within "
        "auth_failure_window_seconds; past it, every credential check from that address "
        "gets 429 until the window has passed.",
    )
    auth_failure_window_seconds: int = Field(
        default=300, ge=1, description="The window of auth_failure_limit, in seconds."
    )
    log_level: str = Field(default="info", description="Server log level.")

    @property
    def auth_failure_window(self) -> timedelta:
        return timedelta(seconds=self.auth_failure_window_seconds)

    def resolved_database_url(self) -> str:
        """The database URL to use, creating the data directory for the SQLite default."""
        if self.database_url:
            return self.database_url
        data_dir = self.data_dir.expanduser()
        data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{data_dir / 'annotrace.sqlite'}"


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the flags that were given (not None) on top."""
    return Settings(**{key: value for key, value in overrides.items() if value is not None})
