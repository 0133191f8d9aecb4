"""Plain-text e-mail delivery over SMTP (smtplib), configured by one `SMTP_URL`.

One `send` is one attempt. Failures raise `EmailError` whose `retryable` tells the outbox
whether to try again (4xx replies, timeouts, refused or dropped connections) or to give up
(5xx replies, TLS or authentication problems).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_FROM = "dosing-diary@localhost"
_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_TRUE = {"1", "true", "yes", "on"}


class EmailError(Exception):
    """An e-mail could not be sent; `retryable` says whether a later attempt may succeed."""

    def __init__(self, message: str, *, retryable: bool, smtp_code: int | None = None) -> None:
        """Record the reason, whether to retry, and the SMTP reply code when there was one."""
        super().__init__(message)
        self.retryable = retryable
        self.smtp_code = smtp_code


def _reply_text(raw: bytes | str) -> str:
    """Decode an SMTP reply text for error messages."""
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _describe_refused(recipients: dict[str, tuple[int, bytes]]) -> str:
    """Summarise smtplib's {address: (code, reply)} map of refused recipients."""
    return "; ".join(f"{addr}: {code} {_reply_text(text)}" for addr, (code, text) in recipients.items())


def _no_newlines(value: str, what: str) -> str:
    """Refuse CR/LF in header values (header injection)."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"{what} must not contain line breaks")
    return value


@dataclass(frozen=True)
class SmtpSender:
    """SMTP connection settings plus the sender address; one connection per `send`."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    use_ssl: bool = False
    starttls: bool = False
    from_addr: str = DEFAULT_FROM
    timeout: float = 10.0

    def __repr__(self) -> str:
        """Never show the password."""
        return (
            f"SmtpSender(host={self.host!r}, port={self.port}, username={self.username!r}, "
            f"use_ssl={self.use_ssl}, starttls={self.starttls}, from_addr={self.from_addr!r})"
        )

    @classmethod
    def from_url(cls, url: str) -> SmtpSender:
        """Parse ``smtp[s]://[user:pass@]host[:port][?starttls=1&from=addr&timeout=seconds]``."""
        parts = urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS:
            raise ValueError("SMTP URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("SMTP URL needs a host")
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        starttls = query.get("starttls", "").lower() in _TRUE
        if starttls and parts.scheme == "smtps":
            raise ValueError("smtps:// is already TLS; starttls=1 applies to smtp:// only")
        return cls(
            host=parts.hostname,
            port=parts.port or _DEFAULT_PORTS[parts.scheme],
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_ssl=parts.scheme == "smtps",
            starttls=starttls,
            from_addr=_no_newlines(query.get("from", DEFAULT_FROM), "from address"),
            timeout=float(query.get("timeout", 10.0)),
        )

    def build_message(self, to: list[str], subject: str, body: str, message_id: str | None) -> EmailMessage:
        """Compose a UTF-8 text/plain message with Date and Message-ID headers."""
        if not to:
            raise ValueError("at least one recipient is needed")
        msg = EmailMessage()
        msg["From"] = self.from_addr
        msg["To"] = ", ".join(_no_newlines(addr, "recipient") for addr in to)
        msg["Subject"] = _no_newlines(subject, "subject")
        msg["Date"] = formatdate(usegmt=True)
        if message_id:
            message_id = _no_newlines(message_id, "message id").strip("<>")
            msg["Message-ID"] = f"<{message_id}>"
        else:
            msg["Message-ID"] = make_msgid(domain=self.from_addr.rpartition("@")[2] or "localhost")
        msg.set_content(body)
        return msg

    def _connect(self) -> smtplib.SMTP:
        """Open, secure and authenticate a connection as configured."""
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.use_ssl:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            client.ehlo()
            if self.starttls:
                client.starttls(context=context)
                client.ehlo()
            if self.username:
                client.login(self.username, self.password or "")
        except BaseException:
            client.close()
            raise
        return client

    def send(self, to: list[str], subject: str, body: str, message_id: str | None = None) -> None:
        """Send one message to all recipients; raise EmailError (see `retryable`) on failure.

        If the server refuses some recipients but accepts others, the message has gone out to
        the accepted ones, so a permanent (non-retryable) EmailError names the refused ones.
        """
        msg = self.build_message(to, subject, body, message_id)
        try:
            with self._connect() as client:
                refused = client.send_message(msg, from_addr=self.from_addr, to_addrs=list(to))
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise EmailError(
                f"all recipients refused: {_describe_refused(exc.recipients)}",
                retryable=all(400 <= code < 500 for code in codes),
                smtp_code=max(codes) if codes else None,
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise EmailError(f"SMTP server lacks a required extension: {exc}", retryable=False) from exc
        except smtplib.SMTPResponseException as exc:  # sender refused, DATA error, auth, connect
            code = exc.smtp_code
            raise EmailError(
                f"SMTP {code} {_reply_text(exc.smtp_error)}", retryable=400 <= code < 500, smtp_code=code
            ) from exc
        except ssl.SSLError as exc:
            raise EmailError(f"TLS failure with {self.host}:{self.port}: {exc}", retryable=False) from exc
        except (smtplib.SMTPException, OSError) as exc:  # disconnects, timeouts, refused connections
            raise EmailError(
                f"SMTP connection to {self.host}:{self.port} failed: {type(exc).__name__}: {exc}",
                retryable=True,
            ) from exc
        if refused:
            raise EmailError(
                f"delivered, but some recipients refused: {_describe_refused(refused)}", retryable=False
            )
