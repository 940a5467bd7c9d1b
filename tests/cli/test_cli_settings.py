"""Settings composition: the example file, environment overrides, and malformed configs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomli_w

from svcsync.cli import main
from svcsync.settings import SettingsError, load_settings, resolve_api_key, settings_from_dict

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.toml"


def _base() -> dict:
    return {
        "erp": [
            {
                "name": "main",
                "url": "http://127.0.0.1:8069",
                "database": "demo",
                "login": "svcsync-bot",
                "api_key_env": "SVCSYNC_TEST_KEY",
            }
        ],
        "state": {"url": "sqlite:///state.db"},
    }


def test_example_config_loads_with_every_section() -> None:
    settings = load_settings(EXAMPLE, env={})
    tenant = settings.erp[0]
    assert tenant.name == "main"
    assert tenant.api_key_env == "SVCSYNC_ERP_MAIN_API_KEY"
    assert settings.rules.billing.overdue_days == 30
    assert settings.push.flag_models == ["res.partner", "sale.order", "account.move"]
    # Every top-level section of the example is a section the settings model knows.
    raw = tomllib.loads(EXAMPLE.read_text())
    assert set(raw) == {"erp", "state", "schedule", "rules", "push", "notify"}


def test_example_rules_keys_are_exactly_the_rules_model_with_its_defaults() -> None:
    from service.config import RulesConfig

    raw = tomllib.loads(EXAMPLE.read_text())["rules"]
    assert set(raw) == set(RulesConfig.model_fields)
    defaults = RulesConfig().model_dump()
    for section, values in raw.items():
        assert set(values) == set(defaults[section]), section
        for key, value in values.items():
            assert value == defaults[section][key], f"rules.{section}.{key}"
    # The settings carry the service's own model, not a copy of it.
    assert type(load_settings(EXAMPLE, env={}).rules) is RulesConfig


def test_example_documents_every_key_of_every_section() -> None:
    """Each key of each section model is in the example, set or as a commented `# key =` line."""
    from connector import RetrySettings
    from jobs.config import NotifyConfig, PushConfig, ScheduleConfig, StateConfig, Webhook
    from svcsync.sections import TenantConfig

    text = EXAMPLE.read_text()
    models = {
        "erp": TenantConfig,
        "erp.retry": RetrySettings,
        "state": StateConfig,
        "schedule": ScheduleConfig,
        "push": PushConfig,
        "notify": NotifyConfig,
        "notify.webhooks": Webhook,
    }
    for section, model in models.items():
        for key in model.model_fields:
            if key in ("api_key", "retry", "webhooks"):
                continue  # refused secret / sub-tables listed on their own
            assert re.search(rf"^(# )?{key} = ", text, flags=re.M), f"{section}.{key}"


def test_environment_overrides_win_and_are_typed() -> None:
    env = {
        "SVCSYNC_STATE__URL": "sqlite:////tmp/x.db",
        "SVCSYNC_RULES__BILLING__OVERDUE_DAYS": "45",
        "SVCSYNC_ERP__MAIN__READ_TIMEOUT": "30",
        "SVCSYNC_ERP__MAIN__COMPANY_IDS": "[1, 2]",
        "SVCSYNC_ERP_MAIN_API_KEY": "not-an-override",  # single underscores: not a key path
    }
    settings = load_settings(EXAMPLE, env=env)
    assert settings.state.url == "sqlite:////tmp/x.db"
    assert settings.rules.billing.overdue_days == 45
    assert settings.erp[0].read_timeout == 30.0
    assert settings.erp[0].company_ids == [1, 2]


def test_bad_override_names_the_variable() -> None:
    with pytest.raises(SettingsError) as err:
        settings_from_dict(_base(), {"SVCSYNC_RULES__BILLING__OVERDUE_DAYS": "soon"})
    assert "rules.billing.overdue_days" in err.value.problems[0]
    assert "SVCSYNC_RULES__BILLING__OVERDUE_DAYS" in err.value.problems[0]


def _with(path: tuple, value: object) -> dict:
    doc = _base()
    node: dict = doc
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


_DELETE = object()

# (case, config change, expected fragments of the one error line)
MALFORMED = [
    ("unknown key", (("erp", 0, "timeout"), 5), ["erp[0].timeout", "unknown key", "read_timeout"]),
    ("unknown section", (("pushh",), {}), ["pushh", "unknown key", "push"]),
    ("wrong type", (("erp", 0, "page_size"), "big"), ["erp[0].page_size", "integer", "'big'"]),
    ("out of range", (("erp", 0, "page_size"), 10), ["erp[0].page_size", "100"]),
    ("missing value", (("erp", 0, "database"), _DELETE), ["erp[0].database", "missing"]),
    ("secret in toml", (("erp", 0, "api_key"), "abc"), ["erp[0].api_key", "api_key_env"]),
    ("password in toml", (("erp", 0, "password"), "x"), ["erp[0].password", "api_key_file"]),
    ("bad url", (("erp", 0, "url"), "odoo.example.com"), ["erp[0].url", "https://"]),
    ("bad state url", (("state", "url"), "mysql://x"), ["state.url", "sqlite:///"]),
    ("protocol", (("erp", 0, "protocol"), "soap"), ["erp[0].protocol", "'jsonrpc'"]),
]


@pytest.mark.parametrize(("case", "change", "expected"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_config_exits_2_naming_key_and_expectation(
    case: str,
    change: tuple,
    expected: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "svcsync.toml"
    path.write_text(tomli_w.dumps(_with(*change)))
    code = main(["check", "--config", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    for fragment in expected:
        assert fragment in lines[0], (fragment, lines[0])


def test_unreadable_key_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "bot.key"
    key.write_text("secret-key-value")
    key.chmod(0)
    if os.access(key, os.R_OK):  # root reads anything: use a missing file instead
        key = tmp_path / "missing.key"
    doc = _base()
    del doc["erp"][0]["api_key_env"]
    doc["erp"][0]["api_key_file"] = str(key)
    path = tmp_path / "svcsync.toml"
    path.write_text(tomli_w.dumps(doc))
    code = main(["check", "--config", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "erp[0].api_key_file" in err and str(key) in err and "expected a file" in err
    assert "secret-key-value" not in err


def test_missing_key_variable_names_it() -> None:
    settings = settings_from_dict(_base(), {})
    with pytest.raises(SettingsError) as err:
        resolve_api_key(settings.erp[0], 0, env={})
    assert "SVCSYNC_TEST_KEY is not set" in err.value.problems[0]


def test_missing_config_file_says_how_to_make_one(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "svcsync.cli", "status", "--config", str(tmp_path / "nope.toml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "svcsync init" in proc.stderr and "Traceback" not in proc.stderr


def test_init_writes_a_config_that_loads(tmp_path: Path) -> None:
    path = tmp_path / "svcsync.toml"
    code = main(
        [
            "init",
            "--config",
            str(path),
            "--no-input",
            "--url",
            "https://odoo.example.com",
            "--database",
            "prod",
        ]
    )
    assert code == 0
    settings = load_settings(path, env={})
    assert settings.erp[0].api_key_env == "SVCSYNC_ERP_MAIN_API_KEY"
    assert settings.erp[0].login == "svcsync-bot"
    assert main(["init", "--config", str(path), "--no-input", "--url", "x", "--database", "y"]) == 2


def test_json_log_format_reports_failures_as_json(tmp_path: Path) -> None:
    import json

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "svcsync.cli",
            "status",
            "--log-format",
            "json",
            "--config",
            str(tmp_path / "none.toml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    records = [json.loads(line) for line in proc.stderr.splitlines() if line.strip()]
    assert records and records[-1]["level"] == "error" and records[-1]["exit_code"] == 2
    assert "svcsync init" in records[-1]["message"]


def test_exit_code_table_covers_every_connector_error() -> None:
    import inspect

    from connector import errors
    from svcsync.exitcodes import exit_code_for

    expected = {
        "ConfigError": 2,
        "AuthError": 3,
        "AccessError": 3,
        "NotFoundError": 3,
        "TransientError": 3,
        "UnreachableError": 3,
        "ValidationError": 1,
        "RecordError": 1,
    }
    classes = {
        name: cls
        for name, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.ConnectorError) and cls is not errors.ConnectorError
    }
    assert set(expected) <= set(classes)
    for name, code in expected.items():
        assert exit_code_for(classes[name]("x")) == code, name
    assert exit_code_for(RuntimeError("bug")) == 1
    # A TLS handshake failure is the ERP refusing the connection, like the network failures.
    assert exit_code_for(classes["ConfigError"]("TLS failure (check verify_tls): x")) == 3


def test_unknown_stream_is_a_usage_error_listing_the_streams(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "svcsync.toml"
    doc = _base()
    doc["state"]["url"] = f"sqlite:///{tmp_path / 'state.db'}"
    path.write_text(tomli_w.dumps(doc))
    monkeypatch.setenv("SVCSYNC_TEST_KEY", "k")
    code = main(["run", "--once", "--stream", "invoicez", "--config", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "invoicez" in err and "invoices" in err and "Traceback" not in err


def test_status_without_state_says_to_run_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "svcsync.toml"
    doc = _base()
    doc["state"]["url"] = f"sqlite:///{tmp_path / 'nothing-yet.db'}"
    path.write_text(tomli_w.dumps(doc))
    assert main(["status", "--config", str(path)]) == 2
    assert "svcsync run --once" in capsys.readouterr().err
    assert not (tmp_path / "nothing-yet.db").exists()
