"""Settings from the environment, with safe defaults (SQLite and generated secrets in instance/)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend.notify.endpoints import EndpointPolicy

DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


def _read_or_create_secret(path: Path) -> str:
    """Return the secret stored at ``path``, generating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return value


@dataclass
class Settings:
    """Everything the app, the CLI and the scheduler read from the environment."""

    instance_path: Path
    database_url: str
    token_pepper: str
    smtp_url: str | None
    vapid_private_key: str | None
    vapid_subject: str
    cors_origins: tuple[str, ...]
    ratelimit_storage_uri: str
    ratelimit_enabled: bool
    ratelimit_key_prefix: str
    staff_token_hours: int
    public_base_url: str
    push_endpoints: EndpointPolicy = field(default_factory=EndpointPolicy)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read settings from ``env`` (default ``os.environ``); generate missing secrets."""
        env = dict(os.environ if env is None else env)
        instance = Path(env.get("INSTANCE_PATH") or DEFAULT_INSTANCE)
        instance.mkdir(parents=True, exist_ok=True)
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'dosing-diary.sqlite3'}"
        pepper = env.get("TOKEN_PEPPER") or _read_or_create_secret(instance / "token_pepper")
        origins = tuple(o.strip() for o in env.get("CORS_ORIGINS", "").split(",") if o.strip())
        return cls(
            instance_path=instance,
            database_url=database_url,
            token_pepper=pepper,
            smtp_url=env.get("SMTP_URL") or None,
            vapid_private_key=env.get("VAPID_PRIVATE_KEY") or None,
            vapid_subject=env.get("VAPID_SUBJECT") or "mailto:dosing-diary-ops@example.org",
            cors_origins=origins,
            ratelimit_storage_uri=env.get("RATELIMIT_STORAGE_URI") or "memory://",
            ratelimit_enabled=env.get("RATELIMIT_ENABLED", "1") not in ("0", "false", "False"),
            ratelimit_key_prefix=env.get("RATELIMIT_KEY_PREFIX") or "dosing-diary",
            staff_token_hours=int(env.get("STAFF_TOKEN_HOURS") or 12),
            public_base_url=(env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
            push_endpoints=EndpointPolicy.from_env(env),
        )
