"""A real, local SMTP server for tests (aiosmtpd), collecting messages and scripting failures."""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

_REPLIES = {
    421: "421 4.3.2 Service not available, closing channel",
    450: "450 4.2.1 Mailbox unavailable, try again later",
    451: "451 4.3.0 Local error, try again later",
    452: "452 4.3.1 Insufficient storage",
    550: "550 5.1.1 Mailbox unavailable",
    552: "552 5.3.4 Message too big",
    554: "554 5.7.1 Transaction failed",
}


@dataclass
class ReceivedMail:
    """One accepted message: envelope plus the parsed headers and body."""

    mail_from: str
    rcpt_tos: list[str]
    subject: str
    body: str
    message_id: str
    message: EmailMessage


class _Controller(Controller):
    """aiosmtpd Controller that may bind port 0 and learns its real port before the self-check."""

    def _trigger_server(self) -> None:
        """Pick up the kernel-assigned port, then let aiosmtpd poke the server."""
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpSink:
    """Context manager running an SMTP server on 127.0.0.1 with a free port."""

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        """Optionally require AUTH with (user, password) (allowed without TLS, for tests only)."""
        self.messages: list[ReceivedMail] = []
        self.credentials = credentials
        self._scripts: dict[str, deque[int]] = defaultdict(deque)
        self._cond = threading.Condition()
        kwargs: dict[str, Any] = {}
        if credentials:
            kwargs = {"authenticator": self._authenticate, "auth_require_tls": False, "auth_required": True}
        self._controller = _Controller(self, hostname="127.0.0.1", port=0, **kwargs)

    def __enter__(self) -> SmtpSink:
        """Start the server thread."""
        self._controller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop the server."""
        self._controller.stop()

    @property
    def port(self) -> int:
        """The bound port."""
        return self._controller.port

    @property
    def url(self) -> str:
        """An SMTP_URL for SmtpSender.from_url (credentials included when required)."""
        if self.credentials:
            user, password = self.credentials
            return f"smtp://{user}:{password}@127.0.0.1:{self.port}"
        return f"smtp://127.0.0.1:{self.port}"

    def script(self, command: str, codes: list[int]) -> None:
        """Answer the next MAIL/RCPT/DATA commands with these reply codes, then normally."""
        if command not in {"MAIL", "RCPT", "DATA"}:
            raise ValueError("command must be MAIL, RCPT or DATA")
        with self._cond:
            self._scripts[command].extend(codes)

    def wait_for(self, n: int, timeout: float = 5.0) -> list[ReceivedMail]:
        """Block until at least `n` messages were accepted; AssertionError on timeout."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.messages) >= n, timeout):
                raise AssertionError(f"expected {n} e-mails, got {len(self.messages)}")
            return list(self.messages)

    def _scripted(self, command: str) -> str | None:
        """The scripted failure reply for this command, if one is queued."""
        with self._cond:
            queue = self._scripts[command]
            if not queue:
                return None
            code = queue.popleft()
        return _REPLIES.get(code, f"{code} scripted failure")

    def _authenticate(
        self, server: object, session: Session, envelope: Envelope, mechanism: str, auth_data: object
    ) -> AuthResult:
        """Accept exactly the configured LOGIN/PLAIN credentials."""
        assert self.credentials is not None
        user, password = self.credentials
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (user, password)
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd sends the 535

    async def handle_MAIL(  # noqa: N802 - aiosmtpd hook name
        self, server: object, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        """Accept the sender unless a failure is scripted."""
        if reply := self._scripted("MAIL"):
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: object, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        """Accept the recipient unless a failure is scripted."""
        if reply := self._scripted("RCPT"):
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: object, session: Session, envelope: Envelope) -> str:  # noqa: N802
        """Store the message unless a failure is scripted."""
        if reply := self._scripted("DATA"):
            return reply
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        body_part = message.get_body(preferencelist=("plain",))
        mail = ReceivedMail(
            mail_from=str(envelope.mail_from),
            rcpt_tos=list(envelope.rcpt_tos),
            subject=str(message["Subject"]),
            body=body_part.get_content().replace("\r\n", "\n") if body_part is not None else "",
            message_id=str(message["Message-ID"]),
            message=message,
        )
        with self._cond:
            self.messages.append(mail)
            self._cond.notify_all()
        return "250 Message accepted for delivery"
