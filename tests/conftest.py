"""Fixtures shared by every test package.

PostgreSQL: tests that need it take the ``pg_url`` fixture.  It gives a SQLAlchemy URL whose
``search_path`` is a fresh schema, dropped afterwards.  Without a reachable server the tests skip
with the reason, unless ``SVCSYNC_REQUIRE_PG=1`` (set by ``.ci/run``), where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_base_url() -> str:
    return os.environ.get("SVCSYNC_TEST_PG_URL", DEFAULT_PG_URL)


def _plain_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture
def pg_url() -> Iterator[str]:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        _skip_or_fail(f"psycopg is not installed ({exc})")
        raise
    base = _pg_base_url()
    schema = "t_" + uuid.uuid4().hex[:12]
    try:
        conn = psycopg.connect(_plain_dsn(base), autocommit=True, connect_timeout=5)
    except Exception as exc:
        _skip_or_fail(f"PostgreSQL not reachable at {base}: {exc}")
        raise
    with conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(_plain_dsn(base), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("SVCSYNC_REQUIRE_PG") == "1":
        pytest.fail(f"{reason} (SVCSYNC_REQUIRE_PG=1 makes PostgreSQL tests mandatory)")
    pytest.skip(f"{reason}; set SVCSYNC_TEST_PG_URL to run PostgreSQL tests")
