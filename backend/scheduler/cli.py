"""``scheduler run``, ``scheduler tick`` and ``vapid generate``."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from backend.notify import vapid


def _instant(value: str, name: str) -> datetime:
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            "expected an ISO 8601 instant, e.g. 2026-11-24T08:00:00Z", param_hint=name
        ) from None
    if instant.tzinfo is None:
        raise click.BadParameter("needs a UTC offset (e.g. Z or +08:00)", param_hint=name)
    return instant.astimezone(UTC)


@click.group("scheduler")
def scheduler_group() -> None:
    """The scheduler: reminders, missed-dose detection, alert delivery, escalation."""


@scheduler_group.command("run")
@with_appcontext
def run() -> None:
    """Run the scheduler process (every minute, UTC) until Ctrl-C or SIGTERM."""
    from backend.scheduler import process

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    process.serve(current_app._get_current_object())  # type: ignore[attr-defined]  # werkzeug's proxy method, untyped


@scheduler_group.command("tick")
@click.option("--now", "now_value", required=True, help="ISO 8601 instant to run every job as of.")
@click.option("--until", "until_value", default=None, help="Repeat every --every minutes up to this instant.")
@click.option(
    "--every", default=5, show_default=True, type=click.IntRange(min=1), help="Minutes between ticks."
)
@with_appcontext
def tick(now_value: str, until_value: str | None, every: int) -> None:
    """Run every job once as of --now, or as of each step from --now to --until."""
    from backend.scheduler.runner import run_all

    start = _instant(now_value, "--now")
    end = _instant(until_value, "--until") if until_value else start
    if end < start:
        raise click.BadParameter("must not be before --now", param_hint="--until")
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # werkzeug's proxy method, untyped
    instant, ticks, failed = start, 0, 0
    totals: dict[str, int] = {}
    while instant <= end:
        result = run_all(app, instant)
        ticks += 1
        failed += bool(result.errors)
        for name, count in result.counts.items():
            totals[name] = totals.get(name, 0) + count
        for name, error in result.errors.items():
            click.echo(f"{instant.isoformat()} {name} failed: {error}", err=True)
        instant += timedelta(minutes=every)
    summary = ", ".join(f"{name} {count}" for name, count in totals.items())
    click.echo(f"{ticks} tick(s) from {start.isoformat()} to {end.isoformat()}: {summary}")
    if failed:
        raise SystemExit(1)


@click.group("vapid")
def vapid_group() -> None:
    """VAPID keys for Web Push."""


@vapid_group.command("generate")
@click.option("--force", is_flag=True, help="Replace an existing key (orphans every push subscription).")
@with_appcontext
def generate(force: bool) -> None:
    """Write a new VAPID key pair into instance/ and print the public key."""
    settings = current_app.config["SETTINGS"]
    keys = vapid.generate_keys()
    try:
        path = vapid.write_keys(settings.instance_path, keys, overwrite=force)
    except FileExistsError:
        raise click.ClickException(
            f"{settings.instance_path / vapid.PRIVATE_KEY_FILENAME} exists; rotating it orphans every "
            "push subscription. Use --force to replace it."
        ) from None
    if settings.vapid_private_key:
        click.echo(
            "note: VAPID_PRIVATE_KEY is set in the environment and takes precedence over the file", err=True
        )
    click.echo(f"wrote {path}")
    click.echo(f"public key: {keys.public_key_b64url}")


COMMANDS = (scheduler_group, vapid_group)
