"""Fixtures of the odoosim tests (shared by the ORM, wire and dataset tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from odoosim.orm import Database


@pytest.fixture
def new_db() -> Callable[..., Database]:
    """Factory: ``new_db("18", apps={"sale"})`` -> a fresh in-memory ORM database."""

    def make(version: str = "17", apps: Iterable[str] | None = None) -> Database:
        return Database(version, apps, "test")

    return make


@pytest.fixture
def orm_db() -> Database:
    """A fresh 17 database with every app installed and only its base records."""
    return Database("17", None, "test")
