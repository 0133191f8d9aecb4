"""The one session owner: engine, declarative Base, the per-request session and session_scope().

Views and jobs never commit. A request's session is committed once, after the view succeeded
(see ``backend.api.hooks``), and a job's by :func:`Database.session_scope`. Work that must only
happen after the data is durable (sending queued notifications) is registered with
:func:`after_commit` and runs once the commit went through.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g
from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")
READ_ONLY = "dosing_diary_read_only"  # execution option of read_only_session()


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints stably."""

    metadata = MetaData(naming_convention=NAMING)


def new_id() -> str:
    """A random public identifier (never sequential, so ids leak nothing)."""
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC and always returned as an aware UTC datetime.

    SQLite drops the offset of ``DateTime(timezone=True)``; this type normalises on the way
    in (refusing naive values, which would be ambiguous) and re-attaches UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the per-dialect settings this product relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # The driver's own transaction handling is off: it would BEGIN only before the first
            # write, so a read-then-write (lock, compare, update) would read outside the
            # transaction and two requests could both write over the same stale row.
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # SQLite has no row locks: IMMEDIATE takes the database's write lock when the
            # transaction starts, so SELECT ... FOR UPDATE callers really hold it (writers queue
            # behind each other for up to busy_timeout; WAL readers outside a transaction don't).
            # A read-only session (read_only_session) begins DEFERRED: one snapshot, no write lock.
            read_only = conn.get_execution_options().get(READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def insert_for(session: Session) -> Callable[..., Any]:
    """The dialect's ``insert`` construct, which has ``on_conflict_do_nothing`` on both databases."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise RuntimeError(f"no INSERT ... ON CONFLICT for dialect {name}")


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once ``session``'s current transaction has committed (never on rollback)."""
    session.info.setdefault("after_commit", []).append(callback)


def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop("after_commit", [])
    for callback in callbacks:
        callback()


def _drop_after_commit(session: Session) -> None:
    session.info.pop("after_commit", None)


class Database:
    """Owns the engine and hands out sessions: one per request, or one per ``session_scope``."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.factory: sessionmaker[Session] | None = None
        # Builds the services' context of a session opened without one (set by create_app).
        self.context_factory: Callable[[], Any] | None = None

    def init_app(self, app: Flask) -> None:
        """Bind to the app's ``DATABASE_URL`` and close the request session on teardown."""
        self.configure(app.config["DATABASE_URL"])
        app.extensions["database"] = self
        app.teardown_appcontext(self._teardown)

    def configure(self, url: str, **kwargs: Any) -> None:
        """Create (or replace) the engine for ``url``."""
        if self.engine is not None:
            self.engine.dispose()
        self.engine = make_engine(url, **kwargs)
        self.factory = sessionmaker(bind=self.engine, expire_on_commit=False, autoflush=True)

    def new_session(self, context: Any = None) -> Session:
        """A fresh session not tied to any request (the caller owns it), carrying ``context``.

        ``context`` is the :class:`~backend.services.context.ServiceContext` its services read;
        without one, :attr:`context_factory` builds the app's default.
        """
        if self.factory is None:
            raise RuntimeError("database is not configured")
        session = self.factory()
        if context is None and self.context_factory is not None:
            context = self.context_factory()
        if context is not None:
            session.info["service_context"] = context
        return session

    @property
    def session(self) -> Session:
        """The current request's session, created on first use."""
        if "db_session" not in g:
            g.db_session = self.new_session(g.get("service_context"))
        return g.db_session

    def commit_request(self) -> None:
        """Commit the request's session if one was opened, then run after-commit callbacks."""
        session = g.get("db_session")
        if session is None:
            return
        try:
            session.commit()
        except Exception:
            session.rollback()
            _drop_after_commit(session)
            raise
        _run_after_commit(session)

    def rollback_request(self) -> None:
        """Throw away everything the request wrote."""
        session = g.get("db_session")
        if session is not None:
            session.rollback()
            _drop_after_commit(session)

    def _teardown(self, _exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()

    @contextmanager
    def session_scope(self, context: Any = None) -> Iterator[Session]:
        """A unit of work for jobs and the CLI: commit on success, roll back on error."""
        session = self.new_session(context)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            _drop_after_commit(session)
            raise
        else:
            _run_after_commit(session)
        finally:
            session.close()

    @contextmanager
    def read_only_session(self) -> Iterator[Session]:
        """A session for long read-only work (a streamed export): one snapshot, never a write lock.

        On SQLite a deferred transaction (in WAL mode a reader never blocks the writers, so an
        export that streams for a minute does not hold up patients' diary entries); on
        PostgreSQL ``REPEATABLE READ`` and ``READ ONLY`` (every batch of the export sees the same
        data). Always rolled back: nothing it does is meant to be kept.
        """
        session = self.new_session()
        options: dict[str, Any] = {READ_ONLY: True}
        if session.get_bind().dialect.name == "postgresql":
            options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        try:
            session.connection(execution_options=options)
            yield session
        finally:
            session.rollback()
            session.close()


db = Database()
