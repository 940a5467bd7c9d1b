"""Human and machine output: rich tables on a terminal, plain text when piped, JSON for scripts.

Logs go to stderr (human by default, one JSON object per line with ``--log-format json``); the
command's answer goes to stdout, so ``svcsync status --json | jq`` always sees clean JSON.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table


class Output:
    """Where a command writes its answer; decides rich vs plain once, from the stream."""

    def __init__(self, stream: TextIO | None = None, *, json_mode: bool = False) -> None:
        self.stream = stream or sys.stdout
        self.json_mode = json_mode
        self.console = Console(file=self.stream, highlight=False, soft_wrap=True)
        self.rich = self.console.is_terminal and not json_mode

    def line(self, text: str = "", style: str | None = None) -> None:
        if self.json_mode:
            return
        if self.rich:
            self.console.print(text, style=style, markup=False)
        else:
            print(text, file=self.stream, flush=True)

    def json(self, payload: Any) -> None:
        print(json.dumps(payload, indent=2, sort_keys=False, default=str), file=self.stream)

    def table(
        self, title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """A rich table on a terminal; aligned plain columns otherwise (easy to grep)."""
        if self.json_mode:
            return
        cells = [[_cell(v) for v in row] for row in rows]
        if self.rich:
            table = Table(title=title, show_lines=False)
            for col in columns:
                table.add_column(col, overflow="fold")
            for row in cells:
                table.add_row(*row)
            self.console.print(table)
            return
        if title:
            print(title, file=self.stream)
        widths = [len(c) for c in columns]
        for row in cells:
            for i, value in enumerate(row[: len(widths)]):
                widths[i] = max(widths[i], len(value))
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        print(fmt.format(*columns).rstrip(), file=self.stream)
        for row in cells:
            print(fmt.format(*row).rstrip(), file=self.stream)
        self.stream.flush()

    @contextmanager
    def progress(self) -> Iterator[ProgressReporter]:
        """Progress of long pulls: bars with records/s and ETA on a terminal, lines otherwise."""
        if self.rich:
            bars = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]} rec/s"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=False,
            )
            with bars:
                yield ProgressReporter(bars, None)
        else:
            yield ProgressReporter(None, None if self.json_mode else self.stream)


class ProgressReporter:
    """Receives ``(label, done, total)`` updates from a pull and shows them."""

    PLAIN_EVERY_S = 5.0

    def __init__(self, bars: Progress | None, stream: TextIO | None) -> None:
        self._bars = bars
        self._stream = stream
        self._tasks: dict[str, TaskID] = {}
        self._started: dict[str, float] = {}
        self._last_line: dict[str, float] = {}
        self._done_labels: set[str] = set()

    def __call__(self, label: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        start = self._started.setdefault(label, now)
        rate = done / (now - start) if now > start else 0.0
        if self._bars is not None:
            task = self._tasks.get(label)
            if task is None:
                task = self._bars.add_task(label, total=total, rate="0")
                self._tasks[label] = task
            self._bars.update(task, completed=done, total=total, rate=f"{rate:,.0f}")
        elif self._stream is not None:
            # Plain output: one line when a stream is done, and one every few seconds on long
            # pulls, so a log file shows progress without a line per page.
            finished = total is not None and done >= total
            if label in self._done_labels:
                return
            if finished:
                self._done_labels.add(label)
            elif now - self._last_line.setdefault(label, now) < self.PLAIN_EVERY_S:
                return
            self._last_line[label] = now
            of = f"/{total}" if total is not None else ""
            print(f"{label}: {done}{of} records ({rate:,.0f}/s)", file=self._stream, flush=True)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, plus any ``extra`` fields."""

    _STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                payload[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            payload["error"] = f"{record.exc_info[0].__name__}: {record.exc_info[1]}"
        return json.dumps(payload, default=str)


_LOG_FORMAT = ["human"]


def problem(message: str, exit_code: int) -> None:
    """One failure line on stderr: ``svcsync: ...``, or a JSON object with ``--log-format json``.

    Every failure a command reports goes through here, so scripts reading JSON logs see each
    one in the same shape as the log records (plus its ``exit_code``).
    """
    text = " ".join(message.split())
    if _LOG_FORMAT[0] == "json":
        record = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "error",
            "logger": "svcsync",
            "message": text,
            "exit_code": exit_code,
        }
        print(json.dumps(record), file=sys.stderr, flush=True)
    else:
        print(f"svcsync: {text}", file=sys.stderr, flush=True)


def setup_logging(fmt: str, level: str) -> None:
    """Configure the root logger once per command: human or JSON lines, on stderr."""
    _LOG_FORMAT[0] = fmt
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonLogFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx logs every request at INFO; one line per RPC drowns the cycle's own lines.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if level == "debug" else logging.WARNING)
