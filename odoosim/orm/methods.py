"""The public ORM methods callable over RPC, and ``execute_kw``'s dispatch.

Dispatch follows ``odoo/service/model.py`` and ``odoo/api.py`` (``odoo-protocol.md`` §1.3):
private names are refused, unknown models raise ``UserError``, unknown methods raise the
version's ``AttributeError`` text, ``@api.model`` methods get the arguments as they are and
record methods take their ids from ``args[0]``.  Arguments are bound like Python binds them,
with Python's ``TypeError`` messages.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from odoosim.exceptions import AccessError
from odoosim.orm.env import Env
from odoosim.orm.model import REQUIRED, ModelDef, ModelMethod

if TYPE_CHECKING:
    from odoosim.orm.database import Database


@dataclass(frozen=True)
class MethodInfo:
    """What the JSON-2 layer needs to bind named arguments and build ``/doc-bearer``."""

    params: list[str]
    is_model: bool
    defaults: dict[str, Any]
    kwonly: bool = False
    var_kw: bool = False


# -- argument binding ---------------------------------------------------------------------


def bind(name: str, meth: ModelMethod, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Bind like Python: ``TypeError`` with Python's message when the call does not fit."""
    names = [p for p, _ in meth.params]
    if meth.kwonly and args:
        raise TypeError(f"{name}() takes 1 positional argument but {len(args) + 1} were given")
    if len(args) > len(names):
        required = sum(1 for _, d in meth.params if d is REQUIRED)
        if required == len(names):
            expected = f"{len(names) + 1}"
        else:
            expected = f"from {required + 1} to {len(names) + 1}"
        raise TypeError(
            f"{name}() takes {expected} positional arguments but {len(args) + 1} were given"
        )
    bound: dict[str, Any] = dict(zip(names, args, strict=False))
    for key, value in kwargs.items():
        if key in bound:
            raise TypeError(f"{name}() got multiple values for argument '{key}'")
        if key not in names and not meth.var_kw:
            raise TypeError(f"{name}() got an unexpected keyword argument '{key}'")
        bound[key] = value
    missing = [p for p, d in meth.params if d is REQUIRED and p not in bound]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        listed = " and ".join(f"'{m}'" for m in missing)
        raise TypeError(
            f"{name}() missing {len(missing)} required positional argument{plural}: {listed}"
        )
    for p, d in meth.params:
        if p not in bound:
            bound[p] = d
    return bound


# -- dispatch -----------------------------------------------------------------------------


def _unknown_method(db: Database, model: str, method: str) -> AttributeError:
    if db.version_int == 16:
        return AttributeError(f"type object '{model}' has no attribute '{method}'")
    if db.version_int >= 19:
        return AttributeError(f"The method '{model}.{method}' does not exist")
    return AttributeError(f"The method '{method}' does not exist on the model '{model}'")


def find_method(db: Database, mdef: ModelDef, method: str) -> ModelMethod:
    if method.startswith("_"):
        raise AccessError(
            f"Private methods (such as {mdef.name}.{method}) cannot be called remotely."
        )
    meth = mdef.methods.get(method) or generic_methods(db.version_int, mdef).get(method)
    if meth is None:
        raise _unknown_method(db, mdef.name, method)
    return meth


def dispatch(
    db: Database, uid: int, model: str, method: str, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    if method.startswith("_"):
        raise AccessError(f"Private methods (such as {model}.{method}) cannot be called remotely.")
    mdef = db.model(model)
    meth = find_method(db, mdef, method)
    context = kwargs.pop("context", None) or {}
    if not isinstance(context, dict):
        raise ValueError("context must be a dictionary")
    env = db.env(uid, context)
    ids: list[int] = []
    if not meth.is_model:
        if not args:
            raise TypeError(f"{method}() missing 1 required positional argument: 'self'")
        ids = _ids(args[0])
        args = args[1:]
    bound = bind(method, meth, args, kwargs)
    return meth.func(env, model, ids, **bound)


def _ids(value: Any) -> list[int]:
    if value is False or value is None:
        return []
    if isinstance(value, bool):
        raise ValueError(f"Invalid ids {value!r}")
    if isinstance(value, int):
        return [value]
    if isinstance(value, list | tuple):
        out = []
        for v in value:
            if isinstance(v, bool) or not isinstance(v, int):
                raise ValueError(f"Invalid ids {value!r}: expected a list of integers")
            out.append(v)
        return out
    raise ValueError(f"Invalid ids {value!r}: expected a list of integers")


def method_info(db: Database, model: str, method: str) -> MethodInfo:
    mdef = db.model(model)
    meth = find_method(db, mdef, method)
    return _info(meth)


def _info(meth: ModelMethod) -> MethodInfo:
    return MethodInfo(
        params=[p for p, _ in meth.params],
        is_model=meth.is_model,
        defaults={p: d for p, d in meth.params if d is not REQUIRED},
        kwonly=meth.kwonly,
        var_kw=meth.var_kw,
    )


def public_methods(db: Database, model: str) -> dict[str, MethodInfo]:
    mdef = db.model(model)
    found = dict(generic_methods(db.version_int, mdef))
    found.update(mdef.methods)
    if db.version_int >= 19:
        # deprecated on 19: still callable by name, left out of /doc (api_doc skips it)
        found.pop("read_group", None)
    return {name: _info(m) for name, m in sorted(found.items())}


def recordset(env: Env, ids: list[int]) -> Any:
    """A recordset result: ids on 18/19; on 16/17 what ``@api.returns`` downgrades to."""
    if env.version >= 18:
        return list(ids)
    return ids[0] if len(ids) == 1 else list(ids)


# -- generic methods ------------------------------------------------------------------------


def _check(env: Env, model: str, op: str) -> None:
    env.db.access.check(env, model, op)


def m_search(
    env: Env,
    model: str,
    ids: list[int],
    domain: Any,
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
    count: bool = False,
) -> Any:
    _check(env, model, "read")
    if count:
        return env.db.search_count(env, model, domain, limit or None)
    return env.db.search_ids(env, model, domain, offset or 0, limit or None, order or None)


def m_search_count(
    env: Env, model: str, ids: list[int], domain: Any, limit: int | None = None
) -> int:
    _check(env, model, "read")
    return env.db.search_count(env, model, domain, limit or None)


def m_read(
    env: Env,
    model: str,
    ids: list[int],
    fields: Sequence[str] | None = None,
    load: str | None = "_classic_read",
) -> list[dict[str, Any]]:
    _check(env, model, "read")
    if isinstance(fields, str):
        fields = [fields]
    return env.db.read(env, model, ids, fields, load)


def m_search_read(
    env: Env,
    model: str,
    ids: list[int],
    domain: Any = None,
    fields: Sequence[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
    **read_kwargs: Any,
) -> list[dict[str, Any]]:
    _check(env, model, "read")
    unknown = set(read_kwargs) - {"load"}
    if unknown:
        raise TypeError(f"read() got an unexpected keyword argument '{sorted(unknown)[0]}'")
    load = read_kwargs.get("load", "_classic_read")
    return env.db.search_read(
        env, model, domain or [], fields, offset or 0, limit or None, order or None, load
    )


def m_create(env: Env, model: str, ids: list[int], vals_list: Any) -> Any:
    _check(env, model, "create")
    db = env.db
    single = isinstance(vals_list, dict)
    items = [vals_list] if single else vals_list
    if not isinstance(items, list) or not all(isinstance(v, dict) for v in items):
        raise ValueError("create() expects a dict or a list of dicts")
    new_ids = []
    for vals in items:
        db.access.check_write_fields(env, model, vals.keys())
        new_ids.append(db.create(env, model, vals))
    db.access.check_rules(env, model, "create", new_ids)
    return new_ids[0] if single else new_ids


def m_write(env: Env, model: str, ids: list[int], vals: dict[str, Any]) -> bool:
    _check(env, model, "write")
    db = env.db
    if not isinstance(vals, dict):
        raise ValueError("write() expects a dict of values")
    db.access.check_write_fields(env, model, vals.keys())
    db.ensure_exist(env, db.models[model], ids)
    db.access.check_rules(env, model, "write", ids)
    db.write(env, model, ids, vals)
    db.access.check_rules(env, model, "write", ids)
    return True


def m_unlink(env: Env, model: str, ids: list[int]) -> bool:
    _check(env, model, "unlink")
    db = env.db
    existing = db.exists(model, ids)
    db.access.check_rules(env, model, "unlink", existing)
    db.unlink(env, model, existing)
    return True


FIELD_ATTRIBUTES = (
    "type",
    "string",
    "help",
    "required",
    "readonly",
    "store",
    "searchable",
    "sortable",
    "manual",
    "relation",
    "relation_field",
    "selection",
    "depends",
    "company_dependent",
    "translate",
    "name",
)


def describe_field(env: Env, mdef: ModelDef, fname: str) -> dict[str, Any]:
    fld = mdef.fields[fname]
    desc: dict[str, Any] = {
        "type": fld.type,
        "string": fld.string,
        "help": fld.help or False,
        "required": fld.required,
        "readonly": fld.readonly or (fld.computed and fld.related is None and fname != "id"),
        "store": fld.store,
        "searchable": fld.searchable,
        "sortable": fld.sortable,
        "manual": fld.manual,
        "depends": list(fld.depends),
        "company_dependent": fld.company_dependent,
        "translate": fld.translate,
        "name": fname,
    }
    if fname == "id":
        desc["readonly"] = True
    if fld.relation:
        desc["relation"] = fld.relation
        desc["context"] = {}
        desc["domain"] = []
    if fld.type == "one2many":
        desc["relation_field"] = fld.inverse_name
    if fld.type == "selection":
        desc["selection"] = [[k, v] for k, v in fld.selection or []]
    if fld.type in ("monetary",):
        desc["currency_field"] = fld.currency_field
    if fld.related:
        desc["related"] = fld.related
    return desc


def m_fields_get(
    env: Env,
    model: str,
    ids: list[int],
    allfields: Sequence[str] | None = None,
    attributes: Sequence[str] | None = None,
) -> dict[str, Any]:
    mdef = env.db.models[model]
    out = {}
    for fname in mdef.fields:
        if allfields and fname not in allfields:
            continue
        desc = describe_field(env, mdef, fname)
        if attributes:
            desc = {k: v for k, v in desc.items() if k in attributes}
        out[fname] = desc
    return out


def m_name_search(
    env: Env,
    model: str,
    ids: list[int],
    name: str = "",
    args: Any = None,
    operator: str = "ilike",
    limit: int | None = 100,
    domain: Any = None,
) -> list[list[Any]]:
    # the second parameter is `args` up to 17 and `domain` from 18 (bound by name)
    _check(env, model, "read")
    db = env.db
    mdef = db.models[model]
    domain = list(args or domain or [])
    if name or operator not in ("ilike", "like", "=like", "=ilike"):
        domain = [*domain, ("display_name", operator, name)]
    found = db.search_ids(env, model, domain, 0, limit or None, None)
    names = db.names(mdef.name, found)
    return [[i, names[i]] for i in found]


def m_name_get(env: Env, model: str, ids: list[int]) -> list[list[Any]]:
    _check(env, model, "read")
    existing = env.db.exists(model, ids)
    names = env.db.names(model, existing)
    return [[i, names[i]] for i in existing]


def m_name_create(env: Env, model: str, ids: list[int], name: str) -> list[Any]:
    _check(env, model, "create")
    mdef = env.db.models[model]
    rid = env.db.create(env, model, {mdef.rec_name: name})
    return [rid, env.db.names(model, [rid])[rid]]


def m_default_get(
    env: Env, model: str, ids: list[int], fields_list: Sequence[str]
) -> dict[str, Any]:
    mdef = env.db.models[model]
    out: dict[str, Any] = {}
    for fname in fields_list:
        fld = mdef.fields.get(fname)
        if fld is None:
            continue
        key = f"default_{fname}"
        if key in env.context:
            out[fname] = env.context[key]
        elif fld.default is not None:
            out[fname] = fld.default(env) if callable(fld.default) else fld.default
    return out


def m_check_access_rights(
    env: Env, model: str, ids: list[int], operation: str, raise_exception: bool = True
) -> bool:
    if operation not in ("read", "write", "create", "unlink"):
        raise ValueError(f"Invalid access mode {operation!r}")
    ok = env.db.access.allowed(env, model, operation)
    if not ok and raise_exception:
        raise AccessError(env.db.access.message(model, operation))
    return ok


def m_has_access(env: Env, model: str, ids: list[int], operation: str) -> bool:
    try:
        m_check_access(env, model, ids, operation)
    except AccessError:
        return False
    return True


def m_check_access(env: Env, model: str, ids: list[int], operation: str) -> None:
    if operation not in ("read", "write", "create", "unlink"):
        raise ValueError(f"Invalid access mode {operation!r}")
    env.db.access.check(env, model, operation)
    env.db.access.check_rules(env, model, operation, env.db.exists(model, ids))
    return None


def m_get_external_id(env: Env, model: str, ids: list[int]) -> dict[str, str]:
    _check(env, model, "read")
    out: dict[str, str] = {i: "" for i in ids}  # type: ignore[misc]
    if ids:
        rows = env.db.conn.execute(
            "SELECT res_id, module, name FROM ir_model_data WHERE model = ? AND res_id IN "
            f"({','.join(map(str, ids))}) ORDER BY id",
            [model],
        )
        for res_id, module, name in rows:
            out[res_id] = f"{module}.{name}"
    return {str(k): v for k, v in out.items()}


def m_exists(env: Env, model: str, ids: list[int]) -> Any:
    _check(env, model, "read")
    return env.db.exists(model, ids)


def m_message_post(env: Env, model: str, ids: list[int], **kw: Any) -> Any:
    return post_message(env, model, ids, kw)


def post_message(env: Env, model: str, ids: list[int], kw: dict[str, Any]) -> Any:
    """``mail.thread.message_post``: one message on one record; the message id comes back."""
    db = env.db
    for forbidden in ("model", "res_id", "subtype"):
        if forbidden in kw:
            raise ValueError(
                "message_post doesn't support model and res_id parameters anymore. "
                "Please call message_post on record."
                if forbidden != "subtype"
                else "message_post: 'subtype' is not supported, use subtype_xmlid"
            )
    if len(ids) != 1:
        raise ValueError(f"Expected singleton: {model}({', '.join(map(str, ids))},)")
    if not (db.access.allowed(env, model, "write") or db.access.allowed(env, model, "create")):
        raise AccessError(db.access.message(model, "write"))
    db.ensure_exist(env, db.models[model], ids)
    body = kw.get("body", "") or ""
    body_is_html = bool(kw.get("body_is_html", False))
    if "body_is_html" in kw and env.version < 17:
        raise ValueError("Invalid field 'body_is_html' on model 'mail.message'")
    if not isinstance(body, str):
        raise ValueError("message_post: body must be a string")
    if not (body_is_html and env.version >= 18):
        # A str body is plain text: Odoo escapes it and keeps line breaks.
        body = html.escape(body).replace("\n", "<br>")
        body = f"<p>{body}</p>" if body else ""
    subtype_xmlid = kw.get("subtype_xmlid") or (
        "mail.mt_note" if kw.get("message_type", "notification") != "comment" else "mail.mt_comment"
    )
    found = db.xmlid(subtype_xmlid if "." in subtype_xmlid else f"mail.{subtype_xmlid}")
    author = db.conn.execute("SELECT partner_id FROM res_users WHERE id = ?", [env.uid]).fetchone()
    vals = {
        "model": model,
        "res_id": ids[0],
        "body": body,
        "subject": kw.get("subject") or False,
        "message_type": kw.get("message_type", "notification"),
        "subtype_id": found[1] if found else False,
        "author_id": author[0] if author else False,
        "date": db.now(),
    }
    partner_ids = kw.get("partner_ids") or []
    if partner_ids:
        vals["partner_ids"] = [(6, 0, list(partner_ids))]
    mid = db.create(env.sudo(), "mail.message", vals)
    return recordset(env, [mid])


# -- per-version table of generic methods ------------------------------------------------------


_CACHE: dict[tuple[int, bool], dict[str, ModelMethod]] = {}


def generic_methods(version: int, mdef: ModelDef) -> dict[str, ModelMethod]:
    key = (version, mdef.mail_thread)
    if key in _CACHE:
        return _CACHE[key]
    search_params: list[tuple[str, Any]] = [
        ("domain", REQUIRED),
        ("offset", 0),
        ("limit", None),
        ("order", None),
    ]
    if version == 16:
        search_params.append(("count", False))
    m: dict[str, ModelMethod] = {
        "search": ModelMethod(m_search, search_params, is_model=True),
        "search_count": ModelMethod(
            m_search_count, [("domain", REQUIRED), ("limit", None)], is_model=True
        ),
        "read": ModelMethod(m_read, [("fields", None), ("load", "_classic_read")]),
        "search_read": ModelMethod(
            m_search_read,
            [("domain", None), ("fields", None), ("offset", 0), ("limit", None), ("order", None)],
            is_model=True,
            var_kw=True,
        ),
        "create": ModelMethod(m_create, [("vals_list", REQUIRED)], is_model=True),
        "write": ModelMethod(m_write, [("vals", REQUIRED)]),
        "unlink": ModelMethod(m_unlink, []),
        "fields_get": ModelMethod(
            m_fields_get, [("allfields", None), ("attributes", None)], is_model=True
        ),
        "name_search": ModelMethod(
            m_name_search,
            [
                ("name", ""),
                ("args" if version < 18 else "domain", None),
                ("operator", "ilike"),
                ("limit", 100),
            ],
            is_model=True,
        ),
        "name_create": ModelMethod(m_name_create, [("name", REQUIRED)], is_model=True),
        "default_get": ModelMethod(m_default_get, [("fields_list", REQUIRED)], is_model=True),
        "get_external_id": ModelMethod(m_get_external_id, []),
        "exists": ModelMethod(m_exists, []),
    }
    if version <= 17:
        m["name_get"] = ModelMethod(m_name_get, [])
    if version <= 18:
        m["check_access_rights"] = ModelMethod(
            m_check_access_rights,
            [("operation", REQUIRED), ("raise_exception", True)],
            is_model=True,
        )
    if version >= 18:
        m["has_access"] = ModelMethod(m_has_access, [("operation", REQUIRED)])
        m["check_access"] = ModelMethod(m_check_access, [("operation", REQUIRED)])
    from odoosim.orm.groups import formatted_read_group, read_group

    m["read_group"] = ModelMethod(
        read_group,
        [
            ("domain", REQUIRED),
            ("fields", REQUIRED),
            ("groupby", REQUIRED),
            ("offset", 0),
            ("limit", None),
            ("orderby", False),
            ("lazy", True),
        ],
        is_model=True,
    )
    if version >= 19:
        m["formatted_read_group"] = ModelMethod(
            formatted_read_group,
            [
                ("domain", REQUIRED),
                ("groupby", ()),
                ("aggregates", ()),
                ("having", ()),
                ("offset", 0),
                ("limit", None),
                ("order", None),
            ],
            is_model=True,
        )
    if mdef.mail_thread:
        m["message_post"] = ModelMethod(
            m_message_post,
            [
                ("body", ""),
                ("subject", None),
                ("message_type", "notification"),
                ("subtype_xmlid", None),
                ("partner_ids", None),
            ],
            kwonly=True,
            var_kw=True,
        )
    _CACHE[key] = m
    return m
