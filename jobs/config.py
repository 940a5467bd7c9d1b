"""The config sections jobs/ owns (docs/internals.md §5): ``[state]``, ``[schedule]``,
``[push]`` and ``[notify]``.

Every model forbids unknown keys, so a typo is an error naming the key instead of a silent
default.  ``svcsync/settings.py`` composes them with the TOML file and the environment.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http:// or https:// URL with a host")
    return value


class StateConfig(_Section):
    """``[state]``: where cursors, the mirror, findings and the outbox live."""

    url: str = "sqlite:///svcsync-state.db"

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql")):
            raise ValueError(
                "expected a SQLAlchemy URL: sqlite:///path/state.db or "
                "postgresql+psycopg://user@host/db"
            )
        parts = urlsplit(value)
        if value.startswith("postgresql") and parts.password:
            raise ValueError(
                "a password in [state] url is refused: set the whole URL in the environment "
                "variable SVCSYNC_STATE__URL, or use ~/.pgpass"
            )
        return value


class ScheduleConfig(_Section):
    """``[schedule]``: how often the daemon pulls, analyses and sweeps each tenant."""

    pull_interval_seconds: int = Field(default=300, ge=5)
    analyze_interval_seconds: int = Field(default=300, ge=5)
    sweep_interval_hours: float = Field(default=24.0, gt=0)
    analyze_full_interval_hours: float = Field(default=24.0, gt=0)
    lookback_seconds: int = Field(default=180, ge=0)
    misfire_grace_seconds: int = Field(default=60, ge=1)
    lease_seconds: int = Field(default=600, ge=10)


FlagModel = Literal["res.partner", "sale.order", "account.move"]
_FLAG_MODELS: tuple[FlagModel, ...] = ("res.partner", "sale.order", "account.move")


class PushConfig(_Section):
    """``[push]``: what svcsync writes back into Odoo and where."""

    ticket_target: Literal["auto", "helpdesk.ticket", "project.task", "activities"] = "auto"
    project: str | None = None
    team: str | None = None
    flag_models: list[FlagModel] = Field(default_factory=lambda: list(_FLAG_MODELS))
    activity_user: str | None = None
    batch_size: int = Field(default=50, ge=1, le=500)


class Webhook(_Section):
    """``[[notify.webhooks]]``: one receiver.  Signed with the secret in the environment
    variable ``secret_env`` names; a webhook without one is refused unless ``unsigned = true``
    says so on purpose (its receiver cannot tell svcsync's posts from anybody's)."""

    url: str
    secret_env: str | None = None
    unsigned: bool = False
    min_severity: Literal["amber", "red"] = "red"

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("secret_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError(
                "expected the name of an environment variable holding the secret "
                '(e.g. "SVCSYNC_WEBHOOK_SECRET"), not the secret itself'
            )
        return value

    @model_validator(mode="after")
    def _signed(self) -> Webhook:
        if self.secret_env is None and not self.unsigned:
            raise ValueError(
                f"webhook {_shown(self.url)} has no secret: set secret_env = "
                '"SVCSYNC_WEBHOOK_SECRET" (the environment variable holding the HMAC secret), '
                "or unsigned = true to post unsigned on purpose"
            )
        if self.secret_env is not None and self.unsigned:
            raise ValueError(
                f"webhook {_shown(self.url)}: secret_env and unsigned = true contradict "
                "each other; keep one"
            )
        return self


def _shown(url: str) -> str:
    """A webhook URL without its path and query (which often carry the receiver's token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.path not in ("", "/") else url


class NotifyConfig(_Section):
    """``[notify]``: optional webhooks that receive new red findings (``jobs.notify``).

    Each POST is bounded by ``timeout_seconds``; a failed one is retried at most ``retries``
    times (backoff 0.5 s doubling, at most 30 s between tries)."""

    webhooks: list[Webhook] = Field(default_factory=list)
    timeout_seconds: float = Field(default=10.0, gt=0)
    retries: int = Field(default=3, ge=0, le=10)
