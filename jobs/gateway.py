"""The seam between jobs/ and Odoo: the subset of ``connector.OdooClient`` the cycle uses.

Typed as a Protocol so unit tests pass a small in-memory fake with the same method names, and
integration tests the real client talking to odoosim over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from connector.capabilities import Capabilities


class Gateway(Protocol):
    @property
    def capabilities(self) -> Capabilities: ...

    def stream(
        self,
        model: str,
        domain: Sequence[Any],
        fields: Sequence[str],
        after: tuple[str, int] | None = None,
        page_size: int | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Iterator[list[dict[str, Any]]]: ...

    def search_read(
        self,
        model: str,
        domain: Sequence[Any],
        fields: Sequence[str],
        *,
        order: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        context: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]: ...

    def search(
        self,
        model: str,
        domain: Sequence[Any],
        *,
        order: str | None = None,
        limit: int | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> list[int]: ...

    def read(
        self,
        model: str,
        ids: Sequence[int],
        fields: Sequence[str],
        context: Mapping[str, Any] | None = None,
        batch_size: int | None = None,
    ) -> list[dict[str, Any]]: ...

    def create(
        self,
        model: str,
        vals: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        context: Mapping[str, Any] | None = None,
    ) -> Any: ...

    def write(
        self,
        model: str,
        ids: Sequence[int],
        vals: Mapping[str, Any],
        context: Mapping[str, Any] | None = None,
    ) -> bool: ...

    def message_post(self, model: str, res_id: int, body_html: str) -> int: ...

    def model_id(self, model: str) -> int: ...

    def activity_done(self, activity_ids: Sequence[int], feedback: str = "") -> None: ...

    def find_external_id(self, name: str) -> tuple[str, int, int] | None: ...

    def bind_external_id(self, name: str, model: str, res_id: int) -> int: ...

    def ensure(
        self,
        model: str,
        xml_id: str,
        values: Mapping[str, Any],
        *,
        marker: tuple[str, str] | None = None,
        update: bool = True,
    ) -> tuple[int, bool]: ...

    def ensure_many(
        self,
        model: str,
        items: Sequence[tuple[str, Mapping[str, Any], tuple[str, str] | None]],
        *,
        update: bool = True,
        batch_size: int = 100,
    ) -> list[tuple[int, bool]]: ...
