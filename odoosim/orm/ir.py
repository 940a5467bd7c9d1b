"""Customisation over RPC: manual ``x_`` fields, external ids and inherited views.

Follows ``odoo/addons/base/models/ir_model.py`` and ``ir_ui_view.py`` (``odoo-protocol.md`` §7):
a manual field created through ``ir.model.fields`` gets its column in the same transaction
and is then part of the model (``fields_get``, read, write, domains); an inherited view is
validated on save (every xpath must match its parent, every field must exist).
"""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

from odoosim.exceptions import AccessError, UserError, ValidationError
from odoosim.orm.env import Env
from odoosim.orm.fields import Field
from odoosim.orm.model import finish_many2many

if TYPE_CHECKING:
    from odoosim.orm.database import Database

_PG_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
SUPPORTED_TTYPES = frozenset(
    {
        "char",
        "text",
        "html",
        "integer",
        "float",
        "monetary",
        "boolean",
        "date",
        "datetime",
        "selection",
        "many2one",
        "one2many",
        "many2many",
        "binary",
    }
)


# -- manual fields ------------------------------------------------------------------------


def selection_literal_sql(a: str) -> str:
    return (
        "(SELECT '[' || COALESCE(group_concat('(' || quote(s.value) || ', ' || quote(s.name) "
        "|| ')', ', '), '') || ']' FROM (SELECT value, name FROM ir_model_fields_selection "
        f"WHERE field_id = {a}.id ORDER BY sequence, id) s)"
    )


def refuse_model_create(env: Env, model: str, ids: list[int], vals_list: Any) -> Any:
    raise UserError(
        "odoosim does not support creating custom models over RPC; "
        "add manual x_ fields to existing models instead"
    )


def _parse_selection(value: Any, where: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError) as exc:
            raise ValidationError(
                f"The Selection Options expression is not a valid Pythonic expression. "
                f"Please provide an expression in the [('key','Label'), ...] format. ({where})"
            ) from exc
    if not isinstance(value, list | tuple) or not all(
        isinstance(p, list | tuple) and len(p) == 2 for p in value
    ):
        raise ValidationError(
            "The Selection Options expression must be in the [('key','Label'), ...] format!"
        )
    return [(str(k), str(v)) for k, v in value]


def _selection_from_commands(commands: Any) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    for cmd in commands or []:
        if isinstance(cmd, list | tuple) and cmd and cmd[0] == 0:
            vals = cmd[2] or {}
            out.append(
                (
                    str(vals["value"]),
                    str(vals.get("name", vals["value"])),
                    int(vals.get("sequence", 1000)),
                )
            )
        elif isinstance(cmd, list | tuple) and cmd and cmd[0] in (5, 6):
            out.clear()
        else:
            raise ValidationError(
                f"odoosim: selection_ids supports only create commands [0, 0, {{...}}], got {cmd!r}"
            )
    out.sort(key=lambda t: t[2])
    return out


def fields_create(env: Env, model: str, ids: list[int], vals_list: Any) -> Any:
    db = env.db
    db.access.check(env, model, "create")
    single = isinstance(vals_list, dict)
    items = [vals_list] if single else list(vals_list)
    new_ids = [_create_manual_field(env, dict(vals)) for vals in items]
    return new_ids[0] if single else new_ids


def _create_manual_field(env: Env, vals: dict[str, Any]) -> int:
    db = env.db
    model_id = vals.get("model_id")
    if not model_id and vals.get("model"):
        row = db.conn.execute("SELECT id FROM ir_model WHERE model = ?", [vals["model"]]).fetchone()
        model_id = row[0] if row else None
    row = db.conn.execute("SELECT model FROM ir_model WHERE id = ?", [model_id]).fetchone()
    if row is None:
        raise ValidationError(_mandatory("Model", "model_id"))
    model_name = row[0]
    mdef = db.models[model_name]
    name = vals.get("name") or ""
    state = vals.get("state", "manual")
    if state != "manual":
        raise UserError("Only custom fields (state 'manual') can be created over RPC.")
    if not isinstance(name, str) or not name.startswith("x_"):
        raise ValidationError("Custom fields must have a name that starts with 'x_'!")
    if not _PG_NAME.match(name):
        raise ValidationError(
            f"Field names can only contain characters, digits and underscores (up to 63): {name!r}"
        )
    if name in mdef.fields:
        raise ValidationError("Field names must be unique per model.")
    ttype = vals.get("ttype")
    if not ttype:
        raise ValidationError(_mandatory("Field Type", "ttype"))
    if ttype not in SUPPORTED_TTYPES:
        raise UserError(f"odoosim does not support manual fields of type {ttype!r}")
    if not vals.get("field_description"):
        raise ValidationError(_mandatory("Field Label", "field_description"))
    relation = vals.get("relation") or None
    if ttype in ("many2one", "one2many", "many2many") and (
        not relation or relation not in db.models
    ):
        raise UserError(f"Model {relation} does not exist!")
    relation_field = vals.get("relation_field") or None
    for key in ("relation_table", "column1", "column2", "relation_field"):
        # these become SQL identifiers: only plain names are accepted
        if vals.get(key) and not _PG_NAME.match(str(vals[key])):
            raise ValidationError(f"Invalid {key} {vals[key]!r}: use lowercase letters, digits, _")
    if ttype == "one2many":
        inv = db.models[relation or ""].fields.get(relation_field or "")
        if inv is None or inv.type != "many2one" or inv.relation != model_name:
            raise UserError(f"Many2one {relation_field} on model {relation} does not exist!")
    required = bool(vals.get("required"))
    on_delete = vals.get("on_delete") or "set null"
    if ttype == "many2one" and required and on_delete == "set null":
        raise ValidationError(
            f"The m2o field {name} is required but declares its ondelete policy as being "
            "'set null'. Only 'restrict' and 'cascade' make sense."
        )
    selection: list[tuple[str, str, int]] = []
    if ttype == "selection":
        if vals.get("selection_ids"):
            selection = _selection_from_commands(vals["selection_ids"])
        elif vals.get("selection"):
            selection = [
                (k, lbl, n) for n, (k, lbl) in enumerate(_parse_selection(vals["selection"], name))
            ]
    row_vals = {
        "name": name,
        "model": model_name,
        "model_id": model_id,
        "field_description": vals["field_description"],
        "help": vals.get("help") or False,
        "ttype": ttype,
        "relation": relation or False,
        "relation_field": relation_field or False,
        "relation_table": vals.get("relation_table") or False,
        "column1": vals.get("column1") or False,
        "column2": vals.get("column2") or False,
        "required": required,
        "readonly": bool(vals.get("readonly")),
        "index": bool(vals.get("index")),
        "copied": bool(vals.get("copied")),
        "translate": bool(vals.get("translate")),
        "store": vals.get("store", True) is not False,
        "on_delete": on_delete if ttype == "many2one" else "set null",
        "currency_field": vals.get("currency_field") or False,
        "state": "manual",
    }
    fid = db.create(env.sudo(), "ir.model.fields", row_vals)
    for value, label, seq in selection:
        db.create(
            env.sudo(),
            "ir.model.fields.selection",
            {"field_id": fid, "value": value, "name": label, "sequence": seq},
        )
    fld = _field_from_row(db, fid)
    _install_field(db, model_name, fld)
    return fid


def _mandatory(label: str, fname: str) -> str:
    return (
        "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
        "- Delete: another model requires the record being deleted. If possible, archive it "
        f"instead.\n\nModel: Fields (ir.model.fields)\nField: {label} ({fname})"
    )


def _field_from_row(db: Database, fid: int) -> Field:
    r = db.conn.execute(
        "SELECT name, model, field_description, help, ttype, relation, relation_field, "
        "relation_table, column1, column2, required, readonly, on_delete, currency_field, "
        '"index" FROM ir_model_fields WHERE id = ?',
        [fid],
    ).fetchone()
    (
        name,
        model,
        label,
        help_,
        ttype,
        relation,
        relation_field,
        rel_table,
        c1,
        c2,
        required,
        readonly,
        on_delete,
        currency_field,
        index,
    ) = r
    selection = None
    if ttype == "selection":
        selection = [
            (v, n)
            for v, n in db.conn.execute(
                "SELECT value, name FROM ir_model_fields_selection WHERE field_id = ? "
                "ORDER BY sequence, id",
                [fid],
            )
        ]
    fld = Field(
        ttype,
        label,
        relation=relation or None,
        inverse_name=relation_field or None,
        relation_table=rel_table or None,
        column1=c1 or None,
        column2=c2 or None,
        required=bool(required),
        readonly=bool(readonly),
        selection=selection,
        help=help_ or "",
        manual=True,
        index=bool(index),
        ondelete=(on_delete or "set null") if ttype == "many2one" else None,
        currency_field=currency_field or ("currency_id" if ttype == "monetary" else None),
    )
    fld.name = name
    fld.model = model
    return fld


def _install_field(db: Database, model: str, fld: Field) -> None:
    mdef = db.models[model]
    if fld.type == "many2many":
        if fld.relation_table is None:
            # Odoo's manual m2m default: x_<table1>_<table2>_rel
            t1, t2 = sorted([mdef.table, db.models[fld.relation or ""].table])
            fld.relation_table = f"x_{t1}_{t2}_rel"
        finish_many2many(mdef, fld, db.models)
        db.create_rel_table(fld)
    elif fld.is_column:
        cols = {r[1] for r in db.conn.execute(f'PRAGMA table_info("{mdef.table}")')}
        if fld.name not in cols:
            from odoosim.orm.database import _SQL_TYPES

            db.conn.execute(
                f'ALTER TABLE "{mdef.table}" ADD COLUMN "{fld.name}" {_SQL_TYPES[fld.type]}'
            )
    mdef.fields[fld.name] = fld
    db._index_relations()


def reload_manual_fields(db: Database) -> None:
    """Make the registry match the manual fields committed in ``ir_model_fields``."""
    rows = db.conn.execute(
        "SELECT id, model, name FROM ir_model_fields WHERE state = 'manual'"
    ).fetchall()
    wanted = {(model, name): fid for fid, model, name in rows}
    for mdef in db.models.values():
        for fname in [f for f, fld in mdef.fields.items() if fld.manual]:
            if (mdef.name, fname) not in wanted:
                del mdef.fields[fname]
    for (model, name), fid in wanted.items():
        target = db.models.get(model)
        if target is not None and name not in target.fields:
            fld = _field_from_row(db, fid)
            if fld.type == "many2many":
                finish_many2many(target, fld, db.models)
            target.fields[name] = fld
    db._index_relations()


def fields_write(env: Env, model: str, ids: list[int], vals: dict[str, Any]) -> bool:
    db = env.db
    db.access.check(env, model, "write")
    db.ensure_exist(env, db.models[model], ids)
    rows = db.conn.execute(
        "SELECT id, model, name, state, ttype, model_id FROM ir_model_fields WHERE id IN "
        f"({','.join(map(str, ids))})"
    ).fetchall()
    for fid, fmodel, fname, state, ttype, model_id in rows:
        if state != "manual":
            raise UserError(
                "Properties of base fields cannot be altered in this manner! Please modify "
                "them through Python code, preferably through a custom addon!"
            )
        if "ttype" in vals and vals["ttype"] != ttype:
            raise UserError(
                "Changing the type of a field is not yet supported. Please drop it and create "
                "it again!"
            )
        if ("model_id" in vals and vals["model_id"] != model_id) or (
            "model" in vals and vals["model"] != fmodel
        ):
            raise UserError("Changing the model of a field is forbidden!")
        if "name" in vals and vals["name"] != fname:
            raise UserError("odoosim does not support renaming fields; drop it and create it again")
        plain = {k: v for k, v in vals.items() if k not in ("selection", "selection_ids")}
        if plain:
            db.write(env.sudo(), "ir.model.fields", [fid], plain)
        if ttype == "selection" and ("selection" in vals or "selection_ids" in vals):
            if "selection_ids" in vals:
                options = _selection_from_commands(vals["selection_ids"])
            else:
                options = [
                    (k, lbl, n)
                    for n, (k, lbl) in enumerate(_parse_selection(vals["selection"], fname))
                ]
            db.conn.execute("DELETE FROM ir_model_fields_selection WHERE field_id = ?", [fid])
            for value, label, seq in options:
                db.create(
                    env.sudo(),
                    "ir.model.fields.selection",
                    {"field_id": fid, "value": value, "name": label, "sequence": seq},
                )
        mdef = db.models[fmodel]
        fld = _field_from_row(db, fid)
        old = mdef.fields.get(fname)
        if old is not None and old.type == "many2many":
            fld.relation_table, fld.column1, fld.column2 = (
                old.relation_table,
                old.column1,
                old.column2,
            )
        mdef.fields[fname] = fld
    return True


def fields_unlink(env: Env, model: str, ids: list[int]) -> bool:
    db = env.db
    db.access.check(env, model, "unlink")
    existing = db.exists(model, ids)
    if not existing:
        return True
    rows = db.conn.execute(
        "SELECT id, model, name, state FROM ir_model_fields WHERE id IN "
        f"({','.join(map(str, existing))})"
    ).fetchall()
    if any(state != "manual" for _, _, _, state in rows):
        raise UserError("This column contains module data and cannot be removed!")
    for _fid, fmodel, fname, _state in rows:
        for vid, vname, arch in db.conn.execute(
            "SELECT id, name, arch_db FROM ir_ui_view WHERE model = ? AND arch_db LIKE ?",
            [fmodel, f"%{fname}%"],
        ):
            if _arch_uses_field(arch or "", fname):
                raise UserError(
                    "Cannot rename/delete fields that are still present in views:\n"
                    f"Fields: {fmodel}.{fname}\nView: {vname} (id={vid})"
                )
    for fid, fmodel, fname, _state in rows:
        mdef = db.models[fmodel]
        fld = mdef.fields.pop(fname, None)
        db.unlink(env.sudo(), "ir.model.fields", [fid])
        if fld is not None and fld.is_column:
            db.conn.execute(f'ALTER TABLE "{mdef.table}" DROP COLUMN "{fname}"')
        elif fld is not None and fld.type == "many2many":
            db.conn.execute(f'DROP TABLE IF EXISTS "{fld.relation_table}"')
        db.invalidate(fmodel)
    db._index_relations()
    return True


def _arch_uses_field(arch: str, fname: str) -> bool:
    try:
        root = ET.fromstring(arch)
    except ET.ParseError:
        return fname in arch
    return any(el.get("name") == fname for el in root.iter("field"))


# -- external ids -------------------------------------------------------------------------


def xmlid_check(env: Env, vals: dict[str, Any]) -> None:
    _xmlid_unique(env, vals.get("module") or "", vals.get("name") or "", None)


def xmlid_check_write(env: Env, ids: list[int], vals: dict[str, Any]) -> None:
    if "module" in vals or "name" in vals:
        for rid in ids:
            module, name = env.db.conn.execute(
                "SELECT module, name FROM ir_model_data WHERE id = ?", [rid]
            ).fetchone()
            _xmlid_unique(env, vals.get("module", module), vals.get("name", name), rid)


def _xmlid_unique(env: Env, module: str, name: str, rid: int | None) -> None:
    if " " in name:
        raise ValidationError("External IDs cannot contain spaces")
    row = env.db.conn.execute(
        "SELECT id FROM ir_model_data WHERE module = ? AND name = ? AND id != ?",
        [module, name, rid or 0],
    ).fetchone()
    if row is not None:
        raise ValidationError(
            "The operation cannot be completed: duplicate key value violates unique constraint "
            '"ir_model_data_module_name_uniq_index"\n'
            f"DETAIL:  Key (module, name)=({module}, {name}) already exists."
        )


def check_object_reference(
    env: Env,
    model: str,
    ids: list[int],
    module: str,
    xml_id: str,
    raise_on_access_error: bool = False,
) -> list[Any]:
    env.db.access.check(env, model, "read")
    found = env.db.xmlid(f"{module}.{xml_id}")
    if found is None:
        raise ValueError(f"External ID not found in the system: {module}.{xml_id}")
    target, res_id = found
    if not env.db.access.allowed(env, target, "read"):
        if raise_on_access_error:
            raise AccessError(f"Not enough access rights on the external ID {module}.{xml_id}")
        return [target, False]
    return [target, res_id]


# -- views --------------------------------------------------------------------------------


def view_xml_id_sql(a: str) -> str:
    return (
        "(SELECT d.module || '.' || d.name FROM ir_model_data d "
        f"WHERE d.model = 'ir.ui.view' AND d.res_id = {a}.id ORDER BY d.id LIMIT 1)"
    )


def _view_types(version: int) -> set[str]:
    return {
        "tree" if version <= 17 else "list",
        "form",
        "graph",
        "pivot",
        "calendar",
        "kanban",
        "search",
        "qweb",
        "activity",
    }


def views_create(env: Env, model: str, ids: list[int], vals_list: Any) -> Any:
    db = env.db
    db.access.check(env, model, "create")
    single = isinstance(vals_list, dict)
    items = [vals_list] if single else list(vals_list)
    out = []
    for raw in items:
        vals = dict(raw)
        arch = vals.pop("arch", None) or vals.pop("arch_base", None) or vals.get("arch_db")
        vals.pop("arch_base", None)
        if not arch:
            raise ValidationError(_mandatory_view("arch"))
        vals["arch_db"] = arch
        parent_id = vals.get("inherit_id") or False
        if parent_id:
            prow = db.conn.execute(
                "SELECT model, type FROM ir_ui_view WHERE id = ?", [parent_id]
            ).fetchone()
            if prow is None:
                raise ValidationError(
                    f"The operation cannot be completed: inherit_id {parent_id} does not exist"
                )
            vals.setdefault("model", prow[0])
            vals.setdefault("type", prow[1])
            vals.setdefault("mode", "extension")
        else:
            vals.setdefault("mode", "primary")
        validate_view(db, vals)
        out.append(db.create(env.sudo(), "ir.ui.view", vals))
    return out[0] if single else out


def views_write(env: Env, model: str, ids: list[int], vals: dict[str, Any]) -> bool:
    db = env.db
    db.access.check(env, model, "write")
    db.ensure_exist(env, db.models[model], ids)
    vals = dict(vals)
    arch = vals.pop("arch", None) or vals.pop("arch_base", None)
    if arch:
        vals["arch_db"] = arch
    for vid in ids:
        row = db.conn.execute(
            "SELECT model, type, inherit_id, mode, arch_db, name FROM ir_ui_view WHERE id = ?",
            [vid],
        ).fetchone()
        current = dict(
            zip(("model", "type", "inherit_id", "mode", "arch_db", "name"), row, strict=True)
        )
        current.update(vals)
        current["id"] = vid
        validate_view(db, current)
    db.write(env.sudo(), "ir.ui.view", ids, vals)
    return True


def _mandatory_view(fname: str) -> str:
    return (
        "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
        "- Delete: another model requires the record being deleted. If possible, archive it "
        f"instead.\n\nModel: View (ir.ui.view)\nField: {fname}"
    )


def validate_view(db: Database, vals: dict[str, Any]) -> None:
    """Raise ``ValidationError`` unless the view applies cleanly and uses existing fields."""
    name = vals.get("name") or "?"
    model = vals.get("model")
    if not model or model not in db.models:
        raise ValidationError(f"Error while validating view {name}: model {model!r} does not exist")
    try:
        spec_root = ET.fromstring(vals["arch_db"])
    except ET.ParseError as exc:
        raise ValidationError(f"Invalid view {name} definition: {exc}") from exc
    mdef_name = model
    if vals.get("inherit_id"):
        base = combined_arch(db, int(vals["inherit_id"]), exclude=vals.get("id"))
        inserted = apply_specs(base, spec_root, name)
        parents = {c: p for p in base.iter() for c in p}
        for node in inserted:
            _check_fields(db, _context_model(db, mdef_name, node, parents), node, name)
    else:
        allowed = _view_types(db.version_int)
        if spec_root.tag not in allowed:
            raise ValidationError(
                f"Invalid view {name} definition: invalid view type {spec_root.tag!r}; "
                f"allowed: {', '.join(sorted(allowed))}"
            )
        _check_fields(db, mdef_name, spec_root, name)


def _context_model(
    db: Database, model: str, node: ET.Element, parents: dict[ET.Element, ET.Element]
) -> str:
    """The model a node's fields belong to: sub-views of x2many fields use the comodel."""
    chain = []
    cur = parents.get(node)
    while cur is not None:
        if cur.tag == "field" and cur.get("name"):
            chain.append(cur.get("name") or "")
        cur = parents.get(cur)
    for fname in reversed(chain):
        fld = db.models[model].fields.get(fname)
        if fld is None or not fld.relation:
            break
        model = fld.relation
    return model


def _check_fields(db: Database, model: str, node: ET.Element, view: str) -> None:
    """Every ``<field name>`` exists; fields inside a relational field refer to its comodel."""
    mdef = db.models[model]
    if node.tag == "field" and node.get("name") is not None:
        fname = node.get("name") or ""
        fld = mdef.fields.get(fname)
        if fld is None:
            raise ValidationError(
                f"Error while validating view {view}:\n\n"
                f'Field "{fname}" does not exist in model "{model}"'
            )
        if fld.relation:
            for sub in node:
                _check_fields(db, fld.relation, sub, view)
        return
    for child in node:
        _check_fields(db, model, child, view)


def combined_arch(db: Database, view_id: int, exclude: Any = None) -> ET.Element:
    """The arch of the root view of ``view_id`` with every active extension applied."""
    root_id = view_id
    while True:
        row = db.conn.execute(
            "SELECT inherit_id, mode FROM ir_ui_view WHERE id = ?", [root_id]
        ).fetchone()
        if row is None or not row[0] or row[1] == "primary":
            break
        root_id = row[0]
    arch = db.conn.execute("SELECT arch_db FROM ir_ui_view WHERE id = ?", [root_id]).fetchone()[0]
    tree = ET.fromstring(arch)

    def apply_children(parent: int) -> None:
        nonlocal tree
        for cid, carch in db.conn.execute(
            "SELECT id, arch_db FROM ir_ui_view WHERE inherit_id = ? AND mode = 'extension' "
            "AND active = 1 ORDER BY priority, id",
            [parent],
        ).fetchall():
            if cid == exclude:
                continue
            try:
                apply_specs(tree, ET.fromstring(carch), str(cid))
            except ValidationError:
                continue  # an extension broken by a later change must not hide the others
            apply_children(cid)

    apply_children(root_id)
    return tree


def _locate(base: ET.Element, spec: ET.Element, view: str) -> ET.Element:
    holder = ET.Element("__holder__")
    holder.append(base)
    try:
        if spec.tag == "xpath":
            expr = spec.get("expr") or ""
            if expr.startswith("//") or expr.startswith("/"):
                found = holder.findall("." + expr)
            else:
                found = base.findall(expr)
        else:
            attrs = {k: v for k, v in spec.attrib.items() if k != "position"}
            found = [
                el for el in base.iter(spec.tag) if all(el.get(k) == v for k, v in attrs.items())
            ]
    except SyntaxError as exc:
        raise ValidationError(f"Invalid xpath {spec.get('expr')!r} in view {view}: {exc}") from exc
    finally:
        holder.remove(base)
    if not found:
        shown = ET.tostring(spec, encoding="unicode").split(">")[0] + ">"
        shown = shown.replace(" />", ">").replace("/>", ">")
        raise ValidationError(
            f"Error while validating view {view}:\n\n"
            f"Element '{shown}' cannot be located in parent view"
        )
    return found[0]


def apply_specs(base: ET.Element, spec_root: ET.Element, view: str) -> list[ET.Element]:
    """Apply inheritance specs to ``base`` in place; return the nodes they inserted."""
    specs = list(spec_root) if spec_root.tag == "data" else [spec_root]
    inserted: list[ET.Element] = []
    for spec in specs:
        target = _locate(base, spec, view)
        position = spec.get("position", "inside")
        parents = {c: p for p in base.iter() for c in p}
        new = [_copy(c) for c in spec]
        if position == "inside":
            target.extend(new)
        elif position in ("after", "before"):
            parent = parents.get(target)
            if parent is None:
                raise ValidationError(
                    f"Error while validating view {view}:\n\nInvalid position {position!r} "
                    "on the root node"
                )
            idx = list(parent).index(target) + (1 if position == "after" else 0)
            for n, el in enumerate(new):
                parent.insert(idx + n, el)
        elif position == "replace":
            parent = parents.get(target)
            if parent is None:
                raise ValidationError(f"Error while validating view {view}: cannot replace root")
            idx = list(parent).index(target)
            parent.remove(target)
            for n, el in enumerate(new):
                parent.insert(idx + n, el)
        elif position == "attributes":
            for attr in spec:
                if attr.tag != "attribute" or not attr.get("name"):
                    raise ValidationError(
                        f"Error while validating view {view}:\n\nInvalid specification for "
                        "moved nodes: 'attributes' children must be <attribute name=...>"
                    )
                target.set(attr.get("name") or "", attr.text or "")
            new = []
        else:
            raise ValidationError(
                f"Error while validating view {view}:\n\nInvalid position attribute: '{position}'"
            )
        inserted.extend(new)
    return inserted


def _copy(el: ET.Element) -> ET.Element:
    return ET.fromstring(ET.tostring(el))
