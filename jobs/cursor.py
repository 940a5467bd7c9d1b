"""Stream cursor logic, pure: plain dicts in, plain dicts out (persisted with each page).

The cursor is Odoo's own ``write_date`` (never our clock) with ``id`` as tie-breaker, read in
passes ordered ``write_date asc, id asc``:

* ``begin(state, now)`` starts a pass (or resumes the pass a crash interrupted);
* ``after_key(state)`` / ``domain_for(state)`` say where reading continues: the keyset position
  reached in this pass, else ``(start, 0)`` — inclusive at ``start``;
* ``advance(state, page)`` moves past one committed page;
* ``finish(state, lookback, now)`` closes the pass and picks the next ``start``.

Why a lookback: Odoo stamps ``write_date`` when a transaction *starts*; one that runs long commits
rows "in the past", behind rows we already read.  A row stamped ``w`` is visible at the latest at
Odoo time ``w + lookback`` (lookback >= ``limit_time_real``).  So the next pass starts at
``min(high, L - lookback)`` where ``high`` is the highest ``write_date`` seen and ``L`` a lower
bound of Odoo's clock when this pass began: ``high`` plus the time elapsed (measured by our clock,
used only as a stopwatch) since we first saw ``high``.  Without that anchor (first pass) the start
is ``high - lookback``.  Rows re-read at or after ``start`` are de-duplicated by id and
content against the mirror, so overlap costs reads, never duplicates.  Once a pass began at least
``lookback`` after the last row it had seen (``settled``), nothing at or before that row can still
appear, so the next pass starts strictly after it: a cycle with no change reads one empty page.

The dict carries ``v`` (its format version); ``load`` upgrades older formats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

VERSION = 1
FMT = "%Y-%m-%d %H:%M:%S"

State = dict[str, Any]
Key = tuple[str, int]


class CursorError(ValueError):
    """A stored cursor cannot be used (newer format, corrupt)."""


def initial() -> State:
    return {
        "v": VERSION,
        "start": None,
        "position": None,
        "high": None,
        "high_seen_at": None,
        "pass_floor": None,
        "passes": 0,
        "last": None,
    }


def load(raw: Mapping[str, Any] | None) -> State:
    """A stored state, checked and upgraded to the current format."""
    if raw is None:
        return initial()
    version = raw.get("v")
    if version != VERSION:
        raise CursorError(
            f"cursor format v{version} is not supported by this svcsync (v{VERSION}); "
            "upgrade svcsync, or resync with --full"
        )
    state = initial()
    state.update(raw)
    return state


def _parse(value: str) -> datetime:
    return datetime.strptime(value[:19], FMT).replace(tzinfo=UTC)


def _fmt(value: datetime) -> str:
    return value.strftime(FMT)


def begin(state: Mapping[str, Any], now: float) -> State:
    """Start a pass; a pass interrupted by a crash is resumed where its last page committed.

    ``now`` is our clock in seconds (a stopwatch only): it anchors a lower bound of Odoo's clock
    to the highest ``write_date`` seen.
    """
    new = dict(state)
    if new.get("position") is not None:
        return new  # resuming: keep the floor computed when the pass began
    high, seen_at = new.get("high"), new.get("high_seen_at")
    if high is not None and seen_at is not None:
        elapsed = max(0.0, now - float(seen_at))
        new["pass_floor"] = _fmt(_parse(high) + timedelta(seconds=int(elapsed)))
    else:
        new["pass_floor"] = None
    return new


def after_key(state: Mapping[str, Any]) -> Key | None:
    """Where reading continues: strictly after this ``(write_date, id)``; None = from the start."""
    position = state.get("position")
    if position is not None:
        return (str(position[0]), int(position[1]))
    settled = state.get("settled")
    if settled is not None:
        return (str(settled[0]), int(settled[1]))  # everything up to here is final: exclusive
    start = state.get("start")
    if start is not None:
        return (str(start), 0)  # ids are positive: inclusive at ``start``
    return None


def domain_for(state: Mapping[str, Any], base: Sequence[Any] = ()) -> list[Any]:
    """``base`` AND "after the cursor", as an Odoo domain (for clients without keyset paging)."""
    key = after_key(state)
    domain = list(base)
    if key is None:
        return domain
    write_date, last_id = key
    return [
        *domain,
        "|",
        ("write_date", ">", write_date),
        "&",
        ("write_date", "=", write_date),
        ("id", ">", last_id),
    ]


def advance(state: Mapping[str, Any], page: Sequence[Mapping[str, Any]], now: float = 0.0) -> State:
    """The state after ``page`` (ordered ``write_date, id``) is committed."""
    new = dict(state)
    if not page:
        return new
    last = page[-1]
    wd, rid = last.get("write_date"), last.get("id")
    if not isinstance(wd, str) or not isinstance(rid, int):
        raise CursorError(f"a page row has no write_date/id to advance on: id={rid!r}")
    position = new.get("position")
    if position is not None and (wd, rid) <= (position[0], position[1]):
        raise CursorError(f"page ends at {(wd, rid)}, not after the cursor {tuple(position)}")
    new["position"] = [wd, rid]
    seen = new.get("last")
    if seen is None or (wd, rid) > (seen[0], seen[1]):
        new["last"] = [wd, rid]
    high = max(str(r["write_date"]) for r in page if isinstance(r.get("write_date"), str))
    if new.get("high") is None or high > new["high"]:
        new["high"] = high
        new["high_seen_at"] = now
    return new


def finish(state: Mapping[str, Any], lookback: float) -> State:
    """Close the pass: the next one starts at ``min(high, floor - lookback)``, never earlier
    than this pass's own start (everything before it was already final)."""
    new = dict(state)
    new["position"] = None
    new["passes"] = int(new.get("passes") or 0) + 1
    high = new.get("high")
    if high is None:
        new["pass_floor"] = None
        return new
    floor = new.get("pass_floor")
    base = _parse(floor) if floor is not None else _parse(high)
    candidate = min(_parse(high), base - timedelta(seconds=lookback))
    old = new.get("start")
    if old is not None and _parse(old) > candidate:
        candidate = _parse(old)
    new["start"] = _fmt(candidate)
    last = new.get("last")
    if (
        floor is not None
        and last is not None
        and _parse(floor) - timedelta(seconds=lookback) >= _parse(last[0])
    ):
        # This pass began after every transaction stamped at or before ``last`` had to be
        # committed, and it read them all: the next pass can start strictly after ``last``
        # instead of re-reading the whole second ``last`` was stamped in.
        new["settled"] = list(last)
    else:
        new["settled"] = None
    new["pass_floor"] = None
    return new
