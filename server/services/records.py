"""Generic create / read / update / soft-delete of domain records, with the
rules every resource shares:

* factory scope: records of factories the user may not see do not exist for
  them (404), and references to such records are unknown (400);
* references must point at live records, and every factory-scoped record a
  record refers to must belong to the same factory as the record itself;
* fields a resource declares immutable cannot change after creation;
* anything belonging to a finalized inspection is read-only (409);
* all writes go through :func:`server.services.changes.recording`.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from server.authz import can_see_factory, factory_scope, require_factory
from server.errors import ApiError, not_found, validation_error
from server.extensions import db
from server.models import Inspection, User, Versioned
from server.services import changes


@dataclass(frozen=True)
class Operation:
    """A named operation beyond create/update/delete, e.g. an inspection's finalize."""

    name: str
    roles: tuple[str, ...]
    schema: type  # marshmallow schema of the operation's fields
    apply: Callable[[Versioned, dict], None]


@dataclass(frozen=True)
class ComputedFilter:
    """A list filter on a value computed rather than stored (e.g. a corrective action's ``overdue``)."""

    name: str
    field: Callable[[], object]  # makes the marshmallow field that parses the query argument
    where: Callable[[object], object]  # parsed value -> SQL condition


@dataclass(frozen=True)
class Resource:
    """A kind of record, with who may do what to it; the REST API and sync push both use it."""

    model: type[Versioned]
    label: str
    schema: type | None = None
    read: tuple[str, ...] = ()
    create: tuple[str, ...] = ()
    update: tuple[str, ...] = ()
    delete: tuple[str, ...] = ()
    # The field pointing at the record whose factory this record inherits.
    parent_field: str | None = None
    # Exact-match filters accepted on list.
    filters: tuple[str, ...] = ()
    # Filters on computed values, accepted on list beside the exact-match ones.
    computed_filters: tuple[ComputedFilter, ...] = ()
    order_by: tuple[str, ...] = ("created_at",)
    # Extra checks/derivations before a write: (user, record, data, is_new) -> None.
    before_write: Callable[[User, Versioned, dict, bool], None] | None = None
    # Named operations beyond create/update/delete (sync push sends them as `op`).
    operations: tuple[Operation, ...] = ()
    # Named actions of their own endpoint, with the roles allowed (an inspection's booking): served to the phone
    # with the permissions, so it offers them to those roles only.
    grants: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The column naming the factory a record belongs to, which decides who may see it: "factory_id" for
    # factory records, "id" for the factories themselves, None for reference data every user sees.
    scope_column: str | None = "factory_id"

    def __post_init__(self):
        _SCOPE_COLUMNS[self.model] = self.scope_column

    def grant(self, name: str) -> tuple[str, ...]:
        """The roles allowed the named action."""
        return dict(self.grants)[name]

    def operation(self, name: str) -> Operation:
        for operation in self.operations:
            if operation.name == name:
                return operation
        raise ApiError(400, "unknown_operation", f"A {self.label} has no operation {name!r}.", {"op": [name]})

    @property
    def entity(self) -> str:
        return self.model.__entity__

    @property
    def immutable(self) -> tuple[str, ...]:
        return getattr(self.schema, "IMMUTABLE", ())

    @property
    def scoped(self) -> bool:
        return self.scope_column is not None

    @property
    def belongs_to_a_factory(self) -> bool:
        """A factory's record (not a factory itself, nor reference data)."""
        return self.scope_column not in (None, "id")


# model -> its registry entry's scope column; filled as the registry is built.
_SCOPE_COLUMNS: dict[type, str | None] = {}


def factory_of(record) -> uuid.UUID | None:
    """The factory a record belongs to (a factory's own id for a factory), or None for reference data."""
    column = _SCOPE_COLUMNS.get(type(record))
    return getattr(record, column) if column else None


@functools.cache
def schema_of(res: Resource, partial: bool):
    """Schema instances are stateless once built; building one per mutation is most of a small push."""
    return res.schema(partial=partial)


# Computed, per-request fields stay out of replicas: they cost a query per record and would go stale there (a
# photo arriving does not change its inspection's version). Phones derive them from the records they hold.
COMPUTED_FIELDS = ("photos_pending", "overdue")


@functools.cache
def replica_schema(res: Resource):
    """The schema a record is dumped with for a phone's replica (a pull, or an echo's answer)."""
    schema = res.schema()
    return res.schema(exclude=[f for f in COMPUTED_FIELDS if f in schema.fields])


def _factory_column(res: Resource):
    return getattr(res.model, res.scope_column)


def _scoped_query(res: Resource, user: User) -> Select:
    stmt = select(res.model).where(res.model.deleted_at.is_(None))
    scope = factory_scope(user) if res.scoped else None
    if scope is not None:
        stmt = stmt.where(_factory_column(res).in_(scope))
    return stmt


def list_records(res: Resource, user: User, filters: dict, page: int, page_size: int) -> tuple[list, int]:
    stmt = _scoped_query(res, user)
    for name, value in filters.items():
        if name in res.filters and value is not None:
            stmt = stmt.where(getattr(res.model, name) == value)
    for computed in res.computed_filters:
        if filters.get(computed.name) is not None:
            stmt = stmt.where(computed.where(filters[computed.name]))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    ordering = [getattr(res.model, name) for name in res.order_by] + [res.model.id]
    items = db.session.scalars(stmt.order_by(*ordering).limit(page_size).offset((page - 1) * page_size)).all()
    return list(items), total


def get_record(res: Resource, user: User, record_id: uuid.UUID) -> Versioned:
    record = db.session.get(res.model, record_id)
    if record is None or record.is_deleted:
        raise not_found(res.label)
    if res.scoped:
        require_factory(user, factory_of(record), res.label)
    return record


# --- writes inside a caller's recorded transaction (see server.services.operations) ----------


# While a push applies a batch in bulk, nothing is flushed per record: the batch is written in one flush,
# its new records a statement per table (see server.services.sync_push and changes.add_in_bulk).
BULK_KEY = "seamline.bulk"


def in_bulk() -> bool:
    return bool(db.session.info.get(BULK_KEY))


def _flush_unless_bulk() -> None:
    if not in_bulk():
        changes.flush()


def lookup(model, record_id):
    """A record by id, from what this transaction already looked up or created, else from the database.

    Records created earlier in a bulk batch are not flushed yet, so the session cannot find them by id;
    they are kept here as they are made. Ids known to be missing are remembered as None.
    """
    session = db.session()  # once: each pass through the scoped-session proxy costs, and a push looks up a lot
    pinned = session.info.setdefault(changes.PINNED_KEY, {})
    key = (model, record_id)
    if key not in pinned:
        pinned[key] = session.get(model, record_id)
    return pinned[key]


def prefetch(model, record_ids) -> None:
    """Look up many records with one query per 500 ids, so a batch never loads them one at a time."""
    pinned = db.session.info.setdefault(changes.PINNED_KEY, {})
    wanted = list({i for i in record_ids if (model, i) not in pinned})
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        found = {record.id: record for record in db.session.scalars(select(model).where(model.id.in_(chunk)))}
        for record_id in chunk:
            pinned[(model, record_id)] = found.get(record_id)


def forget(record: Versioned) -> None:
    """Unpin a record a failed mutation created, so that later mutations do not see it."""
    db.session.info.get(changes.PINNED_KEY, {}).pop((type(record), record.id), None)


def apply_create(res: Resource, user: User, data: dict) -> Versioned:
    record = res.model()
    _apply(res, user, record, data, is_new=True)
    add_new(record)
    if record.id is not None:
        db.session.info.setdefault(changes.PINNED_KEY, {})[(res.model, record.id)] = record
    _flush_unless_bulk()
    return record


def add_new(record: Versioned) -> None:
    """A new record to write, made by an operation or by a rule (an inspection's corrective action): in bulk it is
    inserted with the batch's other new records (changes.add_in_bulk)."""
    if in_bulk():
        changes.add_in_bulk(record)
    else:
        db.session.add(record)


def refuse_immutable_changes(res: Resource, record: Versioned, data: dict) -> None:
    changed = [k for k in res.immutable if k in data and data[k] != getattr(record, k)]
    if changed:
        raise ApiError(400, "immutable_field", "These fields cannot be changed after creation.",
                       {k: ["Cannot be changed after creation."] for k in changed})


def apply_update(res: Resource, user: User, record: Versioned, data: dict) -> Versioned:
    refuse_immutable_changes(res, record, data)
    _apply(res, user, record, data, is_new=False)
    _flush_unless_bulk()
    return record


def apply_delete(record: Versioned) -> None:
    _refuse_if_finalized(record)
    changes.soft_delete(record)
    _flush_unless_bulk()


# --- shared rules -----------------------------------------------------------------------


def _apply(res: Resource, user: User, record: Versioned, data: dict, is_new: bool) -> None:
    if not is_new:  # a new record names no inspection yet: it is checked once its values are in, below
        _refuse_if_finalized(record)
    if is_new:  # its values, then the column defaults of those it leaves empty (a client's id needs no uuid4 first)
        changes.fill_new(record, data)
        changes.apply_defaults(record)
    else:
        db.session.info.setdefault(_BEFORE_KEY, {})[(type(record), record.id)] = {key: getattr(record, key) for key in data}
        for key, value in data.items():
            setattr(record, key, value)
    if res.parent_field:
        parent = _referenced(record, res.parent_field)
        if parent is None or parent.is_deleted or not can_see_factory(user, parent.factory_id):
            raise validation_error({res.parent_field: [f"Unknown {_label(res.parent_field)}."]})
        record.factory_id = parent.factory_id
    if res.before_write:
        res.before_write(user, record, data, is_new)
    if res.belongs_to_a_factory:
        if not can_see_factory(user, record.factory_id):
            raise validation_error({"factory_id": ["Unknown factory."]})
    _check_references(user, record)
    _refuse_if_finalized(record, check_self=False)


# The values an update's fields had before it, for the resource's rules (before_write). Attribute history cannot
# tell them by then: a lookup in between may flush the write, and a flush resets history.
# Kept for one transaction.
_BEFORE_KEY = changes.CACHE_PREFIX + "values_before"


def value_before(record: Versioned, key: str):
    """What ``key`` held before the update being applied to ``record`` (its value now, if the update left it)."""
    return db.session.info.get(_BEFORE_KEY, {}).get((type(record), record.id), {}).get(key, getattr(record, key))


def _referenced(record: Versioned, field_name: str):
    column = record.__table__.c[field_name]
    value = getattr(record, field_name)
    if value is None:
        return None
    # The session's identity map holds records weakly, so a batch of 500 defects would
    # load the same inspection 500 times; lookup() keeps what this transaction looked up.
    return lookup(referenced_model(column), value)


def referenced_model(column):
    (foreign_key,) = column.foreign_keys
    return _model_for_table(foreign_key.column.table.name)


def _check_references(user: User, record: Versioned) -> None:
    errors: dict[str, list[str]] = {}
    own_factory = None if _SCOPE_COLUMNS.get(type(record)) == "id" else factory_of(record)
    for name, model in _references_of(type(record)):
        value = getattr(record, name)
        if value is None:
            continue
        target = lookup(model, value)
        label = _label(name)
        if target is None or getattr(target, "deleted_at", None) is not None:
            errors[name] = [f"Unknown {label}."]
            continue
        target_factory = factory_of(target)
        if target_factory is not None and not can_see_factory(user, target_factory):
            errors[name] = [f"Unknown {label}."]
        elif target_factory is not None and own_factory is not None and target_factory != own_factory:
            errors[name] = [f"The {label} belongs to another factory."]
    if errors:
        raise validation_error(errors)


@functools.cache
def foreign_keys_of(model) -> tuple[tuple[str, type], ...]:
    """(column, referenced model) of each foreign key of a model, in column order."""
    return tuple((column.name, referenced_model(column)) for column in model.__table__.columns if column.foreign_keys)


@functools.cache
def _references_of(model) -> tuple[tuple[str, type], ...]:
    """(column, referenced model) of each reference a record's rules check: every foreign key but its author."""
    return tuple((name, target) for name, target in foreign_keys_of(model) if name != "created_by_id")


def _label(field_name: str) -> str:
    return field_name.removesuffix("_id").replace("_", " ")


def _refuse_if_finalized(record: Versioned, check_self: bool = True) -> None:
    """A finalized inspection, and everything recorded in it, is read-only."""
    inspection = None
    if getattr(type(record), "__written_after_finalize__", False):
        return
    if isinstance(record, Inspection):
        if not check_self:
            return
        state = db.inspect(record)
        if state.persistent:
            committed = state.attrs.status.history.deleted
            status = committed[0] if committed else record.status
            if status == "finalized":
                raise ApiError(409, "inspection_finalized", "A finalized inspection is read-only.")
        return
    if getattr(type(record), "__written_after_finalize__", False):
        return  # it names a finalized inspection without being part of it (a design review)
    if getattr(record, "inspection_id", None) is not None:
        inspection = _referenced(record, "inspection_id")
    if inspection is not None and inspection.status == "finalized":
        raise ApiError(409, "inspection_finalized", "A finalized inspection is read-only.")


@functools.cache
def _model_for_table(table_name: str):
    for mapper in db.Model.registry.mappers:
        if mapper.local_table.name == table_name:
            return mapper.class_
    raise KeyError(table_name)
