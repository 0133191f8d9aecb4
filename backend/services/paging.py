"""Keyset pagination: a page of a list in a stable, total order, continued *after* a row's key.

Each list orders by columns that end in a unique one (``id``), so the order is total; the next
page starts strictly after the last row's key values (``(a, b, c) > (x, y, z)`` written out as
ORs, which both SQLite and PostgreSQL plan on the ordering index). Unlike OFFSET, rows added
while a client pages through a list never shift the rows it has not read yet: no row is shown
twice and none that existed when paging began is skipped. A row inserted *before* the cursor
(e.g. a new urgent alert at the head of the queue) is not in the later pages; the client sees
it on its next read of the first page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

MAX_LIMIT = 500


@dataclass(frozen=True)
class Order:
    """One sort column and its direction."""

    column: ColumnElement[Any] | InstrumentedAttribute[Any]
    descending: bool = False


@dataclass(frozen=True)
class Page:
    """Rows of one page and the key of its last row when more rows follow (else None)."""

    rows: list[Any]
    next_key: tuple[Any, ...] | None


def _after(order: Sequence[Order], key: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after ``key`` in ``order`` (lexicographic comparison, column by column)."""
    alternatives = []
    for i, step in enumerate(order):
        equal = [order[j].column == key[j] for j in range(i)]
        beyond = step.column < key[i] if step.descending else step.column > key[i]
        alternatives.append(and_(*equal, beyond))
    return or_(*alternatives)


def keyset_page(
    session: Session,
    stmt: Select[Any],
    order: Sequence[Order],
    key_of: Callable[[Any], tuple[Any, ...]],
    *,
    after: Sequence[Any] | None = None,
    limit: int | None = None,
) -> Page:
    """One page of ``stmt`` in ``order``: the rows after ``after`` (a previous page's
    ``next_key``), at most ``limit`` (all rows when None). ``key_of(row)`` gives a row's values
    of the ``order`` columns, in that order."""
    if after is not None:
        if len(after) != len(order):
            raise ValueError("cursor does not match this list's order")
        stmt = stmt.where(_after(order, after))
    stmt = stmt.order_by(None).order_by(*(s.column.desc() if s.descending else s.column for s in order))
    if limit is None:
        return Page(list(session.scalars(stmt)), None)
    rows = list(session.scalars(stmt.limit(min(limit, MAX_LIMIT) + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, key_of(rows[-1]) if more and rows else None)
