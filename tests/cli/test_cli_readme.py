"""The README and the command agree: every command it shows parses, every flag it names exists."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from svcsync.cli import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_command_lines() -> list[list[str]]:
    """``svcsync ...`` argv lists from the README's shell blocks (env prefixes and comments cut)."""
    text = README.read_text(encoding="utf-8")
    commands: list[list[str]] = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            for part in line.split("&&"):
                words = shlex.split(part)
                while words and re.match(r"^[A-Z_]+=", words[0]):
                    words.pop(0)  # VAR=value prefixes
                if words and words[0].endswith("svcsync"):
                    commands.append(words[1:])
    return commands


def readme_table_usages() -> list[list[str]]:
    """The usage column of the README's command table, e.g. ``svcsync run [--once] ...``."""
    usages = []
    for cell in re.findall(r"^\| `(svcsync [^`]+)`", README.read_text(), flags=re.M):
        usages.append(cell.split()[1:])
    return usages


def _subcommand(words: list[str]) -> list[str]:
    head = [w for w in words if not w.startswith(("-", "[")) and w.isidentifier()][:2]
    return head if head[:1] in (["erp"], ["sim"]) else head[:1]


def test_readme_shows_the_two_setup_commands_first() -> None:
    first_block = re.search(r"```bash\n(.*?)```", README.read_text(), flags=re.S)
    assert first_block is not None
    lines = [x for x in first_block.group(1).splitlines() if x and not x.startswith("#")]
    assert lines == [
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/svcsync demo",
        "bash scripts/check.sh",
    ]


def test_every_readme_command_parses() -> None:
    commands = readme_command_lines()
    assert len(commands) >= 8, commands
    parser = build_parser()
    for argv in commands:
        if argv[:2] == ["sim", "serve"]:
            continue  # odoosim's own parser; covered below
        parser.parse_args(argv)  # SystemExit(2) on any flag the code does not know


@pytest.mark.parametrize("usage", readme_table_usages(), ids=lambda u: " ".join(u[:2]))
def test_help_lists_every_flag_the_readme_table_names(usage: list[str]) -> None:
    sub = _subcommand(usage)
    help_text = subprocess.run(
        [sys.executable, "-m", "svcsync.cli", *sub, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert help_text.returncode == 0, help_text.stderr
    for flag in re.findall(r"--[a-z][a-z-]*", " ".join(usage)):
        assert flag in help_text.stdout, f"README names {flag} for `svcsync {' '.join(sub)}`"


def test_top_level_help_lists_every_command_of_the_readme_table() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "svcsync.cli", "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    for usage in readme_table_usages():
        assert _subcommand(usage)[0] in out
    # and the other way round: no command the README forgets
    listed = {_subcommand(u)[0] for u in readme_table_usages()}
    for name in re.findall(r"^    ([a-z]+) ", out, flags=re.M):
        assert name in listed, f"`svcsync {name}` is missing from the README command table"
    assert "exit codes: 0 ok, 1 run failed, 2 bad config or usage, 3 ERP unreachable" in out


def test_troubleshooting_messages_are_the_codes_own_words() -> None:
    """Each message the troubleshooting table names is written, word for word, in the code."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Troubleshooting", 1)[1].split("\n## ", 1)[0]
    root = README.parent
    source = "\n".join(
        p.read_text(encoding="utf-8")
        for pkg in ("svcsync", "connector", "jobs")
        for p in sorted((root / pkg).rglob("*.py"))
    )
    source = re.sub(r"\{[^{}]*\}", "", source)  # f-string placeholders stand for the "…"
    checked = 0
    for row in re.findall(r"^\| (.+?) \|", section, flags=re.M):  # first column
        for message in re.findall(r"`([^`]+)`", row):
            for fragment in message.split("…"):
                fragment = fragment.strip(" '\"")
                if len(fragment) >= 4:
                    assert fragment in source, f"README troubleshooting: {fragment!r}"
                    checked += 1
    assert checked >= 15
