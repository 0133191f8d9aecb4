"""The deliverer: a thread of ``scheduler run`` that sends the outbox as soon as something is due.

It sleeps until woken: on PostgreSQL by ``NOTIFY dosing_diary_outbox`` (sent by the transaction
that queued a message due now, delivered at its commit), received on a dedicated ``LISTEN``
connection; on SQLite by a short poll (a cheap read, no write lock). Every tick also wakes it,
and it looks by itself every :data:`FALLBACK_SECONDS`, which is how claims of a dead process
are taken over once their lease ends. API workers never send: they only notify.
"""

from __future__ import annotations

import logging
import threading
import time

import psycopg
from flask import Flask
from sqlalchemy import exists, select

from backend import clock
from backend.db import db
from backend.notify.transport import transport_for
from backend.services import delivery, outbox

log = logging.getLogger(__name__)

SQLITE_POLL_SECONDS = 0.5
FALLBACK_SECONDS = 5.0
RECONNECT_SECONDS = 1.0


class Deliverer(threading.Thread):
    """Waits for a wake-up (or the fallback interval), then delivers everything due."""

    def __init__(self, app: Flask, poll_seconds: float | None = None) -> None:
        super().__init__(name="deliverer", daemon=True)
        self.app = app
        self._wake = threading.Event()
        self._halt = threading.Event()
        self.postgres = app.config["DATABASE_URL"].startswith("postgresql")
        self.poll_seconds = poll_seconds or (FALLBACK_SECONDS if self.postgres else SQLITE_POLL_SECONDS)
        self.rounds = 0

    def wake(self) -> None:
        """Deliver now (from a NOTIFY, a tick, or a test)."""
        self._wake.set()

    def stop(self) -> None:
        """Stop after the current round."""
        self._halt.set()
        self._wake.set()

    def run(self) -> None:
        with self.app.app_context():
            if self.postgres:
                threading.Thread(target=self._listen, name="outbox-listener", daemon=True).start()
            transport = transport_for(self.app)
            self._wake.set()  # look once at start: whatever a dead predecessor left
            while not self._halt.is_set():
                woken = self._wake.wait(self.poll_seconds)
                self._wake.clear()
                if self._halt.is_set():
                    break
                try:
                    if woken or self._anything_due():
                        started = time.monotonic()
                        sent = delivery.deliver_due(db.session_scope, transport)
                        if sent:
                            log.info("delivered %s in %.3f s", sent, time.monotonic() - started)
                    self.rounds += 1
                except Exception:  # noqa: BLE001 - the database may be down: try again shortly
                    log.exception("delivery round failed")
                    time.sleep(RECONNECT_SECONDS)

    def _anything_due(self) -> bool:
        """The SQLite poll: one read in a deferred transaction (never the write lock)."""
        with db.read_only_session() as session:
            return bool(
                session.scalar(select(exists().where(outbox.due_condition(clock.now(), clock.now()))))
            )

    def _listen(self) -> None:
        """Hold a LISTEN connection; wake the deliverer on every notification, reconnect on loss."""
        url = self.app.config["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
        while not self._halt.is_set():
            try:
                with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {outbox.WAKE_CHANNEL}")
                    log.info("listening for %s", outbox.WAKE_CHANNEL)
                    self.wake()  # anything queued while we were not listening
                    while not self._halt.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            self.wake()
            except psycopg.Error as exc:
                log.warning("outbox listener lost its connection (%s); reconnecting", type(exc).__name__)
                time.sleep(RECONNECT_SECONDS)
