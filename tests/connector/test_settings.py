from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from pydantic import ValidationError as PydanticValidationError

from connector.errors import ConfigError
from connector.settings import ConnectionSettings

BASE = {"url": "http://erp.local:8069", "database": "prod", "login": "svcsync-bot"}


def test_defaults() -> None:
    s = ConnectionSettings(**BASE)  # type: ignore[arg-type]
    assert (s.protocol, s.read_timeout, s.page_size, s.verify_tls) == ("auto", 120.0, 1000, True)
    assert s.port == 8069 and not s.tls


def test_https_defaults_to_443_and_tls() -> None:
    s = ConnectionSettings(**{**BASE, "url": "https://erp.example.com"})  # type: ignore[arg-type]
    assert s.tls and s.port == 443 and s.base_url == "https://erp.example.com:443"


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("url", "ftp://x", "url"),
        ("url", "http://u:p@h:8069", "url"),
        ("url", "http://h:8069/web", "url"),
        ("page_size", 50, "page_size"),
        ("page_size", 6000, "page_size"),
        ("protocol", "soap", "protocol"),
        ("unknown_key", 1, "unknown_key"),
        ("company_ids", [0], "company_ids"),
    ],
)
def test_errors_name_the_key(key: str, value: object, needle: str) -> None:
    with pytest.raises(PydanticValidationError) as info:
        ConnectionSettings(**{**BASE, key: value})  # type: ignore[arg-type]
    assert needle in str(info.value)


def test_one_key_source_only() -> None:
    with pytest.raises(PydanticValidationError, match="exactly one"):
        ConnectionSettings(**BASE, api_key_env="K", api_key=SecretStr("x"))  # type: ignore[arg-type]


def test_key_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVC_KEY", " k-env \n")
    assert ConnectionSettings(**BASE, api_key_env="SVC_KEY").resolve_api_key() == "k-env"  # type: ignore[arg-type]
    f = tmp_path / "key"
    f.write_text("k-file\n")
    assert ConnectionSettings(**BASE, api_key_file=f).resolve_api_key() == "k-file"  # type: ignore[arg-type]
    monkeypatch.delenv("SVC_KEY")
    with pytest.raises(ConfigError, match="SVC_KEY"):
        ConnectionSettings(**BASE, api_key_env="SVC_KEY").resolve_api_key()  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="api_key_file"):
        ConnectionSettings(**BASE, api_key_file=tmp_path / "nope").resolve_api_key()  # type: ignore[arg-type]


def test_key_never_in_repr() -> None:
    s = ConnectionSettings(**BASE, api_key=SecretStr("super-secret-key"))  # type: ignore[arg-type]
    assert "super-secret-key" not in repr(s) and "super-secret-key" not in str(s.model_dump())
