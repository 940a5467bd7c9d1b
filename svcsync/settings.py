"""svcsync settings: one TOML file, ``SVCSYNC_...`` environment overrides, secrets from outside.

Sources, later wins: the TOML file (``--config``, ``SVCSYNC_CONFIG`` or ``./svcsync.toml``), then
environment overrides named ``SVCSYNC_<SECTION>__<KEY>`` with ``__`` between levels, e.g.
``SVCSYNC_STATE__URL``, ``SVCSYNC_RULES__BILLING__OVERDUE_DAYS=45`` or, for a tenant picked by
name, ``SVCSYNC_ERP__MAIN__READ_TIMEOUT=30``.  Every section forbids unknown keys.

Secrets (API keys, passwords, webhook secrets) are refused when written into the TOML file: the
error names the ``api_key_env`` / ``api_key_file`` (or ``secret_env``) setting to use instead.
Every problem becomes one line in a ``SettingsError`` naming the key path and what is expected.
"""

from __future__ import annotations

import json
import os
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from jobs.config import NotifyConfig, PushConfig, ScheduleConfig, StateConfig
from service.config import RulesConfig
from svcsync.sections import TenantConfig

DEFAULT_CONFIG = "svcsync.toml"
ENV_PREFIX = "SVCSYNC_"

# Keys that can only hold a secret.  Anywhere in the file they are refused, with the way to
# pass the same value safely.
_SECRET_KEYS: dict[str, str] = {
    "api_key": 'api_key_env = "SVCSYNC_ERP_<NAME>_API_KEY" or api_key_file = "/path/to/key"',
    "apikey": "api_key_env or api_key_file",
    "password": "api_key_env or api_key_file (Odoo API keys replace passwords)",
    "passwd": "api_key_env or api_key_file",
    "secret": 'secret_env = "SVCSYNC_WEBHOOK_SECRET"',
    "token": "an environment variable named by a *_env key",
}


class SettingsError(Exception):
    """The configuration cannot be used; ``problems`` holds one line per fix to make."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class Settings(BaseModel):
    """The whole configuration, composed from each package's section model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    erp: list[TenantConfig] = Field(min_length=1)
    state: StateConfig = StateConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    rules: RulesConfig = RulesConfig()
    push: PushConfig = PushConfig()
    notify: NotifyConfig = NotifyConfig()

    def tenant(self, name: str | None) -> TenantConfig:
        """The tenant called ``name``, or the only one when ``name`` is None."""
        if name is None:
            if len(self.erp) == 1:
                return self.erp[0]
            names = ", ".join(t.name for t in self.erp)
            raise SettingsError("--tenant", [f"several tenants are configured ({names}); pick one"])
        for tenant in self.erp:
            if tenant.name == name:
                return tenant
        names = ", ".join(t.name for t in self.erp)
        raise SettingsError("--tenant", [f"no [[erp]] tenant named {name!r} (tenants: {names})"])


def config_path(explicit: str | None, env: Mapping[str, str] | None = None) -> Path:
    """``--config`` if given, else ``SVCSYNC_CONFIG``, else ``./svcsync.toml``."""
    env = os.environ if env is None else env
    return Path(explicit or env.get("SVCSYNC_CONFIG") or DEFAULT_CONFIG)


def load_settings(path: Path, env: Mapping[str, str] | None = None) -> Settings:
    """Read ``path``, apply environment overrides, validate; raise ``SettingsError`` on any problem."""
    env = os.environ if env is None else env
    source = str(path)
    try:
        raw_text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError(
            source,
            [
                "config file not found; create one with `svcsync init`, copy "
                "config.example.toml, or point --config / SVCSYNC_CONFIG at it"
            ],
        ) from None
    except OSError as exc:
        raise SettingsError(source, [f"cannot read the config file: {exc.strerror}"]) from None
    try:
        data = tomllib.loads(raw_text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(source, [f"not valid TOML: {exc}"]) from None
    return settings_from_dict(data, env, source=source)


def settings_from_dict(
    data: dict[str, Any], env: Mapping[str, str] | None = None, *, source: str = "config"
) -> Settings:
    """Validate an already parsed TOML document (plus environment overrides)."""
    env = os.environ if env is None else env
    problems = _secret_problems(data, ())
    origins: dict[tuple[str, ...], str] = {}
    merged = _apply_env_overrides(_without_secrets(data), env, origins, problems)
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as exc:
        # Report every problem at once: one round trip to fix the file, not one per error.
        problems.extend(_explain(exc, merged, origins))
    if problems:
        raise SettingsError(source, problems)
    return settings


def resolve_api_key(
    tenant: TenantConfig, index: int, env: Mapping[str, str] | None = None
) -> SecretStr:
    """The bot user's API key for ``tenant``, read from its environment variable or file."""
    env = os.environ if env is None else env
    where = f"erp[{index}]"
    if tenant.api_key_env is not None:
        value = env.get(tenant.api_key_env, "")
        if not value.strip():
            raise SettingsError(
                f"{where}.api_key_env",
                [
                    f"{where}.api_key_env: environment variable {tenant.api_key_env} is not set; "
                    f"expected the API key of Odoo user {tenant.login!r} "
                    f"(export {tenant.api_key_env}=... or use api_key_file)"
                ],
            )
        return SecretStr(value.strip())
    assert tenant.api_key_file is not None  # the model guarantees one of the two
    key_path = tenant.api_key_file.expanduser()
    try:
        value = key_path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise SettingsError(
            f"{where}.api_key_file",
            [
                f"{where}.api_key_file: cannot read {key_path} ({reason}); expected a file "
                f"readable by this user holding the API key of Odoo user {tenant.login!r}"
            ],
        ) from None
    if not value:
        raise SettingsError(
            f"{where}.api_key_file",
            [
                f"{where}.api_key_file: {key_path} is empty; expected the API key of {tenant.login!r}"
            ],
        )
    return SecretStr(value)


def key_file_warning(tenant: TenantConfig) -> str | None:
    """A warning when the key file is readable by other users (checked by ``svcsync check``)."""
    if tenant.api_key_file is None:
        return None
    try:
        mode = tenant.api_key_file.expanduser().stat().st_mode
    except OSError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return (
            f"{tenant.api_key_file} is readable by other users; run chmod 600 {tenant.api_key_file}"
        )
    return None


# --------------------------------------------------------------------------- internals


def _secret_problems(node: Any, path: tuple[str | int, ...]) -> list[str]:
    problems: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = (*path, key)
            hint = _SECRET_KEYS.get(str(key).lower())
            if hint is not None:
                problems.append(
                    f"{_dotted(here)}: secrets are not read from the config file; remove it and "
                    f"use {hint}"
                )
            else:
                problems.extend(_secret_problems(value, here))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            problems.extend(_secret_problems(item, (*path, i)))
    if path == ("state", "url") and isinstance(node, str) and urlsplit(node).password:
        problems.append(
            "state.url: a database password is not read from the config file; set the full URL "
            "in SVCSYNC_STATE__URL or use a ~/.pgpass file"
        )
    return problems


def _without_secrets(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _without_secrets(v) for k, v in node.items() if str(k).lower() not in _SECRET_KEYS
        }
    if isinstance(node, list):
        return [_without_secrets(v) for v in node]
    return node


def _apply_env_overrides(
    data: dict[str, Any],
    env: Mapping[str, str],
    origins: dict[tuple[str, ...], str],
    problems: list[str],
) -> dict[str, Any]:
    merged: dict[str, Any] = json.loads(json.dumps(data, default=str))
    for var in sorted(env):
        if not var.startswith(ENV_PREFIX) or "__" not in var:
            continue
        parts = [p.lower() for p in var[len(ENV_PREFIX) :].split("__")]
        if any(not p for p in parts):
            problems.append(f"{var}: empty key between '__'; expected SVCSYNC_SECTION__KEY")
            continue
        raw = env[var]
        value: Any = raw
        if raw.strip().startswith(("[", "{")):
            try:
                value = json.loads(raw)
            except json.JSONDecodeError:
                problems.append(f"{var}: expected a JSON list or table, got {raw!r}")
                continue
        target: Any = merged
        if parts[0] == "erp":
            if len(parts) < 3:
                problems.append(f"{var}: expected SVCSYNC_ERP__<TENANT>__<KEY>")
                continue
            tenants = merged.get("erp")
            match = None
            if isinstance(tenants, list):
                for entry in tenants:
                    if isinstance(entry, dict) and str(entry.get("name", "")).lower() == parts[1]:
                        match = entry
            if match is None:
                problems.append(f"{var}: no [[erp]] tenant named {parts[1]!r} in the config file")
                continue
            target, keys = match, parts[2:]
        else:
            keys = parts
        for key in keys[:-1]:
            nxt = target.setdefault(key, {}) if isinstance(target, dict) else None
            if not isinstance(nxt, dict):
                problems.append(f"{var}: {key!r} is not a table")
                break
            target = nxt
        else:
            target[keys[-1]] = value
            origins[tuple(parts)] = var
    return merged


def _dotted(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _model_at(loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The pydantic model that holds the last key of ``loc`` (to list its allowed keys)."""
    model: Any = Settings
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        model = args[0] if args and isinstance(args[0], type) else ann
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _explain(
    exc: ValidationError, merged: dict[str, Any], origins: dict[tuple[str, ...], str]
) -> list[str]:
    problems: list[str] = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
        # Drop pydantic's union/validator tags (e.g. "function-after[...]") from the path.
        loc = tuple(p for p in loc if not (isinstance(p, str) and "[" in p))
        where = _dotted(loc) or "(top level)"
        origin = _origin(loc, merged, origins)
        suffix = f" (from {origin})" if origin else ""
        kind = err["type"]
        if kind == "extra_forbidden":
            model = _model_at(loc)
            allowed = (
                ", ".join(f for f in model.model_fields if f not in _SECRET_KEYS)
                if model
                else "see config.example.toml"
            )
            problems.append(f"{where}: unknown key{suffix}; allowed here: {allowed}")
        elif kind == "missing":
            problems.append(f"{where}: missing; this key is required (see config.example.toml)")
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
            shown = _shown(err.get("input"))
            if shown and repr(err.get("input")) in msg:
                shown = ""
            problems.append(f"{where}: {msg}{shown}{suffix}")
    return problems


def _shown(value: Any) -> str:
    if isinstance(value, dict | list) or value is None:
        return ""
    return f", got {value!r}"


def _origin(
    loc: tuple[str | int, ...], merged: dict[str, Any], origins: dict[tuple[str, ...], str]
) -> str | None:
    if loc and loc[0] == "erp" and len(loc) >= 3 and isinstance(loc[1], int):
        tenants = merged.get("erp") or []
        if loc[1] < len(tenants) and isinstance(tenants[loc[1]], dict):
            name = str(tenants[loc[1]].get("name", "")).lower()
            return origins.get(("erp", name, *(str(p) for p in loc[2:])))
    return origins.get(tuple(str(p) for p in loc))
