"""The ``[[erp]]`` configuration section: how to reach one Odoo database.

The API key is never read from the config file itself: it comes from an environment variable
(``api_key_env``) or a secrets file (``api_key_file``); ``api_key`` exists for programmatic use
(tests, the demo) and is a ``SecretStr`` so it never shows in a repr, a log or an error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

Protocol = Literal["auto", "xmlrpc", "jsonrpc", "json2"]


class RetrySettings(BaseModel):
    """Retry policy for transient failures: exponential backoff with full jitter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    attempts: int = Field(5, ge=1, le=20, description="tries per call, the first one included")
    base: float = Field(0.5, gt=0, le=60, description="first backoff ceiling in seconds")
    cap: float = Field(30.0, gt=0, le=600, description="largest single wait in seconds")
    # Bounds when the last retry may start; each attempt is itself bounded by read_timeout.
    total: float = Field(180.0, gt=0, le=3600, description="time budget per call in seconds")


class ConnectionSettings(BaseModel):
    """One ERP connection (`[[erp]]`); see ``docs/internals.md`` §5."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(description="http(s)://host[:port] of the Odoo server")
    database: str = Field(min_length=1)
    login: str = Field(min_length=1)
    protocol: Protocol = "auto"
    api_key_env: str | None = Field(None, description="environment variable holding the key")
    api_key_file: Path | None = Field(None, description="file holding the key (secrets dir)")
    api_key: SecretStr | None = Field(None, description="programmatic only; never in a file")
    verify_tls: bool = True
    ca_bundle: Path | None = None
    connect_timeout: float = Field(10.0, gt=0, le=300)
    read_timeout: float = Field(120.0, gt=0, le=3600)
    page_size: int = Field(1000, ge=100, le=5000)
    company_ids: list[int] = Field(default_factory=list)
    calls_per_second: float | None = Field(None, gt=0)
    retry: RetrySettings = Field(default_factory=RetrySettings)

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"url must look like http://host:8069 or https://host, got {value!r}")
        if parts.username or parts.password:
            # Credentials in a URL end up in logs and error messages.
            raise ValueError("url must not carry a user or password; use login and api_key_env")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(f"url must be the server root without a path, got {value!r}")
        try:
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError as exc:
            raise ValueError(f"url has an invalid port: {value!r}") from exc
        return f"{parts.scheme}://{parts.netloc}"

    @field_validator("company_ids")
    @classmethod
    def _check_companies(cls, value: list[int]) -> list[int]:
        if any(cid <= 0 for cid in value):
            raise ValueError("company_ids must be positive ids of res.company")
        return value

    @model_validator(mode="after")
    def _one_key_source(self) -> ConnectionSettings:
        sources = [
            name
            for name in ("api_key_env", "api_key_file", "api_key")
            if getattr(self, name) is not None
        ]
        if len(sources) > 1:
            raise ValueError(
                f"give exactly one of api_key_env, api_key_file, api_key (got {', '.join(sources)})"
            )
        if self.ca_bundle is not None and not self.verify_tls:
            raise ValueError("ca_bundle is set but verify_tls is false; drop one of them")
        return self

    # --- derived values -------------------------------------------------------------------

    @property
    def tls(self) -> bool:
        return urlsplit(self.url).scheme == "https"

    @property
    def host(self) -> str:
        host = urlsplit(self.url).hostname
        assert host is not None  # checked by the validator
        return host

    @property
    def port(self) -> int:
        """Explicit port, else 443 for https and 8069 for http (odoolib would use 8069 for both)."""
        port = urlsplit(self.url).port
        if port is not None:
            return port
        return 443 if self.tls else 8069

    @property
    def base_url(self) -> str:
        """``scheme://host:port`` with the default port made explicit."""
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"{urlsplit(self.url).scheme}://{host}:{self.port}"

    def resolve_api_key(self) -> str:
        """The API key from its configured source; raises ``ConfigError`` saying what to fix."""
        from connector.errors import ConfigError

        where = f"[[erp]] url={self.url} database={self.database} login={self.login}"
        if self.api_key is not None:
            key = self.api_key.get_secret_value()
        elif self.api_key_env is not None:
            if self.api_key_env not in os.environ:
                raise ConfigError(
                    f"environment variable {self.api_key_env} (api_key_env) is not set; "
                    f"export the Odoo API key there ({where})"
                )
            key = os.environ[self.api_key_env]
        elif self.api_key_file is not None:
            try:
                key = self.api_key_file.read_text(encoding="utf-8")
            except OSError as exc:
                raise ConfigError(
                    f"cannot read api_key_file {self.api_key_file}: {exc.strerror} ({where})"
                ) from None
        else:
            raise ConfigError(f"no API key configured: set api_key_env or api_key_file ({where})")
        key = key.strip()
        if not key:
            raise ConfigError(f"the configured API key is empty ({where})")
        return key
