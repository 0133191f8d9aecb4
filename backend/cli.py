"""Command line: ``flask --app backend ...`` and the ``dosing-diary`` console script."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from backend import clock
from backend.db import db
from backend.services import ops, seed
from backend.services.actors import SYSTEM
from backend.services.sites import create_staff


@click.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Bring the database to the newest schema."""
    ops.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@click.command("create-admin")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", default="Administrator", show_default=True)
@with_appcontext
def create_admin(email: str, password: str, name: str) -> None:
    """Create an admin account."""
    if len(password) < 12:
        raise click.BadParameter("must be at least 12 characters", param_hint="--password")
    with db.session_scope() as session:
        user = create_staff(
            session,
            SYSTEM,
            email=email,
            name=name,
            role="admin",
            site_id=None,
            password=password,
            now=clock.now(),
        )
        click.echo(f"admin {user.email} created (id {user.id})")


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Create a demo site, coordinator, investigator and two participants; print credentials."""
    settings = current_app.config["SETTINGS"]
    with db.session_scope() as session:
        lines = seed.seed_demo(session, pepper=settings.token_pepper, now=clock.now())
    for line in lines:
        click.echo(line)


def init_app(app: Flask) -> None:
    """Register every command on ``app``."""
    from backend.cli_export import export_group
    from backend.scheduler.cli import COMMANDS as SCHEDULER_COMMANDS

    for command in (db_group, create_admin, seed_demo, export_group, *SCHEDULER_COMMANDS):
        app.cli.add_command(command)


def main() -> None:
    """Console script entry point (``dosing-diary``)."""
    from backend import create_app

    FlaskGroup(create_app=lambda: create_app(), add_default_commands=True)()
