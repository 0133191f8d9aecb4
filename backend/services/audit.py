"""The audit trail: every write of clinical or administrative data records an event here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, time
from functools import cache
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from backend.models import AuditEvent
from backend.services.actors import Actor
from backend.services.context import context_of
from backend.services.paging import Order, Page, keyset_page

# Secrets never enter the trail; plan_token is bookkeeping the database renews (migration 0002).
_SKIP = {"password_hash", "token_hash", "secret_hash", "plan_token"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    """The row's column values as JSON-safe data (secrets left out)."""
    mapper = inspect(obj).mapper
    return {attr.key: _plain(getattr(obj, attr.key)) for attr in mapper.column_attrs if attr.key not in _SKIP}


def request_id_of(session: Session) -> str:
    """The request id of the unit of work ``session`` belongs to ("system" for jobs and the CLI)."""
    return context_of(session).request_id


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: str,
    *,
    now: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    participant_id: str | None = None,
    site_id: str | None = None,
) -> AuditEvent:
    """Append one audit event in the caller's transaction (so it commits with the change).

    The row is written by the session's next flush (at the latest, the commit), together with
    the change it describes: one unit of work, no extra flush per event.
    """
    event = AuditEvent(
        **_event_fields(
            actor,
            action,
            entity,
            entity_id,
            now=now,
            before=before,
            after=after,
            reason=reason,
            participant_id=participant_id,
            site_id=site_id,
            request_id=request_id_of(session),
        )
    )
    session.add(event)
    _after_change(session, event.action, entity, entity_id, participant_id, event.before, event, now)
    return event


def _after_change(
    session: Session,
    action: str,
    entity: str,
    entity_id: str,
    participant_id: str | None,
    before: dict[str, Any] | None,
    event: AuditEvent | None,
    now: datetime,
) -> None:
    """Where every recorded change passes: a change to a signed record invalidates its signatures."""
    from backend.services import signature_guard  # it records its own events here: import at use

    signature_guard.after_change(
        session,
        action=action,
        entity=entity,
        entity_id=entity_id,
        participant_id=participant_id,
        before=before,
        event=event,
        now=now,
    )


def _event_fields(
    actor: Actor,
    action: str,
    entity: str,
    entity_id: str,
    *,
    now: datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str | None,
    participant_id: str | None,
    site_id: str | None,
    request_id: str,
) -> dict[str, Any]:
    """The columns of one audit event (before/after made JSON-safe)."""
    return {
        "server_time": now,
        "actor_type": actor.kind,
        "actor_id": actor.id,
        "actor_label": actor.label,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "participant_id": participant_id,
        "site_id": site_id,
        "before": json.loads(json.dumps(before, default=str)) if before is not None else None,
        "after": json.loads(json.dumps(after, default=str)) if after is not None else None,
        "reason": reason,
        "request_id": request_id,
    }


def record_change(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    obj: Any,
    before: dict[str, Any],
    *,
    now: datetime,
    reason: str | None = None,
    participant_id: str | None = None,
    site_id: str | None = None,
) -> AuditEvent | None:
    """Record the fields of ``obj`` that differ from ``before`` (its earlier :func:`snapshot`).

    Only changed fields are stored, old and new; ``updated_at`` bookkeeping is left out, and
    nothing is recorded when nothing changed. The comparison is of the object's attribute values
    in memory (no model has server-side column values on update), so no flush is needed first.
    """
    old, new = _recorded_changes(before, snapshot(obj))
    if not new:
        return None
    return record(
        session,
        actor,
        action,
        entity,
        obj.id,
        now=now,
        before=old,
        after=new,
        reason=reason,
        participant_id=participant_id,
        site_id=site_id,
    )


# --- a change and its event in one statement --------------------------------------------------

_EVENTS = cast(Table, AuditEvent.__table__)
_EVENT_COLUMNS = tuple(c.name for c in _EVENTS.columns if c.name != "id")


@cache
def _change_statements(table: Table, keys: tuple[str, ...], dialect: str) -> tuple[Any, ...]:
    """The UPDATE of ``keys`` of one row of ``table`` and the INSERT of its audit event.

    On PostgreSQL one statement, ``WITH changed AS (UPDATE ... RETURNING id) INSERT INTO
    audit_events ... SELECT ... FROM changed``: one round trip, and the event is written exactly
    when the row was. Elsewhere (SQLite) the two statements in turn. Built once per shape.
    """
    update = (
        table.update()
        .where(table.c.id == bindparam("row_id"))
        .values({key: bindparam(f"new_{key}", type_=table.c[key].type) for key in keys})
    )
    event = {name: bindparam(f"event_{name}", type_=_EVENTS.c[name].type) for name in _EVENT_COLUMNS}
    if dialect == "postgresql":
        written = update.returning(table.c.id).cte("changed")
        row = select(*[value.label(name) for name, value in event.items()]).select_from(written)
        insert = _EVENTS.insert().from_select(list(event), row)
        return (insert.execution_options(preserve_rowcount=True),)
    return (update, _EVENTS.insert().values(event))


def update_with_event(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    obj: Any,
    values: dict[str, Any],
    *,
    now: datetime,
    reason: str | None = None,
    participant_id: str | None = None,
    site_id: str | None = None,
) -> bool:
    """Write ``values`` to ``obj``'s row and its audit event together, bypassing the unit of work.

    For a hot path (the diary's changing PUT): what :func:`record_change` after ``setattr``
    records, in one round trip on PostgreSQL instead of two, without the ORM's flush machinery.
    ``obj`` must be persistent, locked by this transaction and without unflushed changes; its
    attributes are set to ``values`` as committed state afterwards. Returns False (and writes
    nothing) when no value differs from the stored one.
    """
    before = snapshot(obj)
    old, new = _recorded_changes(before, {**before, **{key: _plain(value) for key, value in values.items()}})
    if not new:
        return False
    dialect = session.get_bind().dialect.name
    statements = _change_statements(obj.__table__, tuple(sorted(values)), dialect)
    event = _event_fields(
        actor,
        action,
        entity,
        obj.id,
        now=now,
        before=old,
        after=new,
        reason=reason,
        participant_id=participant_id,
        site_id=site_id,
        request_id=request_id_of(session),
    )
    params = {
        "row_id": obj.id,
        **{f"new_{key}": value for key, value in values.items()},
        **{f"event_{name}": value for name, value in event.items()},
    }
    result = cast("CursorResult[Any]", session.execute(statements[0], params))  # an UPDATE: a cursor's result
    if result.rowcount != 1:  # pragma: no cover - caller holds the lock
        raise RuntimeError(f"{entity} {obj.id} was not written")
    for statement in statements[1:]:  # SQLite: the event after the row
        session.execute(statement, params)
    for key, value in values.items():
        set_committed_value(obj, key, value)
    _after_change(session, action, entity, obj.id, participant_id, old, None, now)
    return True


def _recorded_changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """:func:`changed` without the ``updated_at`` bookkeeping, which the trail leaves out."""
    old, new = changed(before, after)
    old.pop("updated_at", None)
    new.pop("updated_at", None)
    return old, new


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ, as (old values, new values)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def events_for_participant(
    session: Session, participant_id: str, *, after: Sequence[Any] | None = None, limit: int | None = None
) -> Page:
    """A participant's audit trail, oldest first (by the append-only table's increasing id)."""
    stmt = select(AuditEvent).where(AuditEvent.participant_id == participant_id)
    return keyset_page(session, stmt, (Order(AuditEvent.id),), lambda e: (e.id,), after=after, limit=limit)
