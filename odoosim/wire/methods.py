"""Method signatures as the wire layer needs them (JSON-2 binding, ``/doc-bearer``).

Wraps ``Database.method_info(model, method) -> MethodInfo(params, is_model)`` (docs/internals.md
§1) into a small :class:`MethodSpec`: parameter names in signature order (without ``self``) with
a required flag, whether the method is ``@api.model`` and whether it takes ``**kwargs``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from odoosim import exceptions as oe

if TYPE_CHECKING:
    from odoosim.wire.core import RpcCore

# Methods every model offers; listed by /doc-bearer when the ORM does not enumerate its own.
STANDARD_METHODS = (
    "search",
    "search_count",
    "search_read",
    "read",
    "create",
    "write",
    "unlink",
    "fields_get",
    "name_search",
    "default_get",
    "copy",
    "has_access",
    "check_access_rights",
    "formatted_read_group",
    "read_group",
    "name_get",
    "message_post",
    "context_get",
    "action_post",
    "action_confirm",
    "action_cancel",
    "action_feedback",
    "action_done",
)


@dataclass(frozen=True)
class MethodSpec:
    """A public method's binding rules."""

    params: tuple[tuple[str, bool], ...]  # (name, required) in signature order
    is_model: bool
    var_keyword: bool = False
    doc: str = ""


def _is_required(default: Any) -> bool:
    try:
        from odoosim.orm.model import REQUIRED
    except ImportError:  # pragma: no cover - the ORM package always ships it
        return False
    return default is REQUIRED


def _params(raw: Iterable[Any]) -> tuple[tuple[str, bool], ...]:
    out: list[tuple[str, bool]] = []
    for item in raw:
        if isinstance(item, str):
            out.append((item, False))
        elif isinstance(item, tuple | list) and item:
            default = item[1] if len(item) > 1 else None
            out.append((str(item[0]), _is_required(default)))
        else:
            name = getattr(item, "name", None)
            if name is None:
                continue
            required = bool(getattr(item, "required", False)) or _is_required(
                getattr(item, "default", None)
            )
            out.append((str(name), required))
    return tuple(out)


def to_spec(info: Any) -> MethodSpec:
    params = getattr(info, "params", None)
    if params is None and isinstance(info, tuple):
        params = info[0]
    is_model = getattr(info, "is_model", None)
    if is_model is None and isinstance(info, tuple):
        is_model = info[1]
    return MethodSpec(
        params=_params(params or ()),
        is_model=bool(is_model),
        var_keyword=bool(getattr(info, "var_kw", False) or getattr(info, "var_keyword", False)),
        doc=str(getattr(info, "doc", "") or ""),
    )


def resolve_method(core: RpcCore, model: str, method: str) -> MethodSpec | None:
    """The spec of a public method, or None when the model has no such method."""
    try:
        info = core.backend.method_info(model, method)
    except (AttributeError, KeyError, oe.MissingError):
        return None
    except oe.UserError:
        return None
    if info is None:
        return None
    return to_spec(info)


def model_exists(core: RpcCore, model: str) -> bool:
    checker = getattr(core.backend, "has_model", None)
    if callable(checker):
        return bool(checker(model))
    try:
        count = core.backend.execute_kw(
            2, "ir.model", "search_count", [[["model", "=", model]]], {}
        )
    except oe.OdooError:
        return False
    return bool(count)


def list_methods(core: RpcCore, model: str) -> list[tuple[str, MethodSpec]]:
    """Public methods of ``model`` in name order, as /doc-bearer lists them."""
    lister = getattr(core.backend, "public_methods", None)
    found: dict[str, MethodSpec] = {}
    if callable(lister):
        for name, info in dict(lister(model)).items():
            found[name] = to_spec(info)
    else:
        for name in STANDARD_METHODS:
            spec = resolve_method(core, model, name)
            if spec is not None:
                found[name] = spec
    # 19 marks read_group deprecated: still callable, hidden from the documentation.
    hidden = {"read_group"} if core.version == "19" else set()
    return [
        (name, spec)
        for name, spec in sorted(found.items())
        if not name.startswith("_") and name not in hidden
    ]
