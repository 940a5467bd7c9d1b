"""Cursor logic as plain dicts: inclusive start, keyset position, lookback, versioning."""

from __future__ import annotations

import pytest

from jobs import cursor


def row(wd: str, rid: int) -> dict[str, object]:
    return {"id": rid, "write_date": wd}


def test_first_pass_reads_everything_then_starts_lookback_behind_high() -> None:
    s = cursor.begin(cursor.initial(), now=1000.0)
    assert cursor.after_key(s) is None
    s = cursor.advance(s, [row("2026-01-01 10:00:00", 1), row("2026-01-01 10:05:00", 2)], 1000.0)
    assert cursor.after_key(s) == ("2026-01-01 10:05:00", 2)
    s = cursor.finish(s, lookback=180)
    assert s["start"] == "2026-01-01 10:02:00"
    assert cursor.after_key(s) == ("2026-01-01 10:02:00", 0)  # inclusive


def test_time_elapsed_since_high_moves_the_start_up_to_high_never_past() -> None:
    s = cursor.advance(cursor.begin(cursor.initial(), 0.0), [row("2026-01-01 10:00:00", 1)], 0.0)
    s = cursor.finish(s, 180)
    s = cursor.finish(cursor.begin(s, now=100.0), 180)
    assert s["start"] == "2026-01-01 09:58:40"  # high + 100 s - 180 s
    s = cursor.finish(cursor.begin(s, now=10_000.0), 180)
    assert s["start"] == "2026-01-01 10:00:00"
    s = cursor.finish(cursor.begin(s, now=10.0), 180)  # clock went back: start never regresses
    assert s["start"] == "2026-01-01 10:00:00"


def test_a_crashed_pass_resumes_after_its_last_committed_page() -> None:
    s = cursor.begin(cursor.initial(), 0.0)
    s = cursor.advance(s, [row("2026-01-01 10:00:00", 4)], 0.0)
    resumed = cursor.begin(s, now=50.0)
    assert cursor.after_key(resumed) == ("2026-01-01 10:00:00", 4)


def test_advance_refuses_a_page_behind_the_cursor() -> None:
    s = cursor.advance(cursor.initial(), [row("2026-01-01 10:00:00", 4)])
    with pytest.raises(cursor.CursorError):
        cursor.advance(s, [row("2026-01-01 10:00:00", 3)])


def test_domain_for_is_a_keyset_on_write_date_and_id() -> None:
    s = cursor.advance(cursor.initial(), [row("2026-01-01 10:00:00", 4)])
    assert cursor.domain_for(s, [("a", "=", 1)]) == [
        ("a", "=", 1),
        "|",
        ("write_date", ">", "2026-01-01 10:00:00"),
        "&",
        ("write_date", "=", "2026-01-01 10:00:00"),
        ("id", ">", 4),
    ]


def test_unknown_format_version_is_refused() -> None:
    with pytest.raises(cursor.CursorError, match="--full"):
        cursor.load({"v": 99})
    assert cursor.load(None) == cursor.initial()


def test_a_settled_window_restarts_strictly_after_the_last_row() -> None:
    s = cursor.begin(cursor.initial(), 0.0)
    s = cursor.advance(s, [row("2026-01-01 10:00:00", 3), row("2026-01-01 10:00:00", 9)], 0.0)
    s = cursor.finish(s, 180)
    assert cursor.after_key(s) == ("2026-01-01 09:57:00", 0)  # window still open
    s = cursor.finish(cursor.begin(s, now=100.0), 180)  # began too early to settle
    assert cursor.after_key(s) == ("2026-01-01 09:58:40", 0)
    s = cursor.finish(cursor.begin(s, now=200.0), 180)  # began >= lookback after row 9
    assert cursor.after_key(s) == ("2026-01-01 10:00:00", 9)
    s = cursor.advance(cursor.begin(s, now=210.0), [row("2026-01-01 10:03:20", 12)], 210.0)
    s = cursor.finish(s, 180)  # a new row re-opens the window behind it
    assert cursor.after_key(s) == ("2026-01-01 10:00:30", 0)  # floor 10:03:30 - 180 s
