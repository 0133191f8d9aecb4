"""What a service knows of its caller beyond its arguments: one small object carried by the session.

Services are functions of plain values and a session. The few values that belong to the entry
point rather than to the use case travel with that session as a :class:`ServiceContext`: the
request id the audit trail records, the public URL that links in e-mail point at, how messages
leave (the transport), where the after-commit sender gets its sessions, and the deliverer a job
may wake. It is built by the API's request hook (:mod:`backend.api.hooks`) and by the scheduler
runner (:mod:`backend.scheduler.runner`), and for every other session of an app (CLI, tests) by
:func:`backend.runtime.service_context`; a session without one (a service test with a bare
session) gets :data:`DEFAULT`. No Flask here: this module is what keeps Flask out of services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

KEY = "service_context"


class Wakeable(Protocol):
    """A background sender that can be asked to look at the outbox now."""

    def is_alive(self) -> bool: ...

    def wake(self) -> None: ...


@dataclass(frozen=True)
class ServiceContext:
    """The entry point's values a service may need (see the module docstring)."""

    request_id: str = "system"
    public_base_url: str = "http://127.0.0.1:5000"
    transport: Callable[[], Any] | None = None  # built on first use: loading VAPID keys costs
    session_factory: Callable[[], Any] | None = None  # a context manager factory (session_scope)
    deliverer: Wakeable | None = None


DEFAULT = ServiceContext()


def attach(session: Session, context: ServiceContext | None) -> Session:
    """Give ``session`` its context (None leaves it with the default)."""
    if context is not None:
        session.info[KEY] = context
    return session


def context_of(session: Session) -> ServiceContext:
    """The context ``session`` was opened with, or :data:`DEFAULT`."""
    context: ServiceContext = session.info.get(KEY, DEFAULT)
    return context
