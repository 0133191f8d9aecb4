"""Is the deliverer keeping up? The dashboard's view of what ``/readyz`` reports as ``deliveries``.

``/readyz`` is the load balancer's and the operator's probe (unauthenticated, and it also checks
migrations and the heartbeat); the site dashboard asks the same question of the outbox through
an authenticated endpoint instead, so a coordinator sees a stuck deliverer while an urgent
alert's notices are waiting. The rule is :func:`backend.services.ops.delivery_check`'s: stuck
when the oldest due notice has waited more than two minutes. No health data and no ids: only a
count and a wait.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import Notification, NotificationStatus
from backend.services.actors import Actor
from backend.services.ops import MAX_DELIVERY_WAIT, delivery_check
from backend.services.scope import require_role

STAFF_ROLES = ("coordinator", "investigator", "monitor", "admin")
WAITING_STATUSES = (NotificationStatus.PENDING, NotificationStatus.CLAIMED, NotificationStatus.SENDING)


def delivery_status(session: Session, actor: Actor, *, now: datetime) -> dict[str, Any]:
    """The oldest due notice's wait, how many are due and unsent, and whether that means stuck."""
    require_role(actor, STAFF_ROLES)
    oldest_due, waiting = session.execute(
        select(func.min(Notification.next_attempt_at), func.count()).where(
            Notification.status.in_(WAITING_STATUSES),
            Notification.next_attempt_at <= now,
        )
    ).one()
    check = delivery_check(oldest_due, now)
    return {
        "stuck": not check["ok"],
        "oldest_due_wait_seconds": check["oldest_due_wait_seconds"],
        "waiting": int(waiting or 0),
        "max_wait_seconds": int(MAX_DELIVERY_WAIT.total_seconds()),
        "checked_at": now,
    }
