"""E-mail delivery through a real local SMTP server (aiosmtpd), including scripted failures."""

from __future__ import annotations

import socket
import time

import pytest

from backend.notify.email import EmailError, SmtpSender
from tests.support import SilentServer, SmtpSink

SITE = "site-01@hospital.example.org"


@pytest.fixture
def sink():
    """A running local SMTP server."""
    with SmtpSink() as server:
        yield server


@pytest.fixture
def sender(sink: SmtpSink) -> SmtpSender:
    """A sender configured the way SMTP_URL would configure it."""
    return SmtpSender.from_url(f"{sink.url}?from=dosing-diary@trial.example.org&timeout=5")


def test_alert_email_arrives_with_subject_body_and_recipients(sink, sender):
    sender.send(
        [SITE, "pi@hospital.example.org"],
        "New urgent alert at your site / 新的紧急警报",
        "Participant 01-007 has an urgent alert.\n请登录查看。",
        message_id="ntf-8f3a@dosing-diary",
    )

    [mail] = sink.wait_for(1)
    assert mail.rcpt_tos == [SITE, "pi@hospital.example.org"]
    assert mail.mail_from == "dosing-diary@trial.example.org"
    assert mail.subject == "New urgent alert at your site / 新的紧急警报"
    assert mail.body == "Participant 01-007 has an urgent alert.\n请登录查看。\n"
    assert mail.message_id == "<ntf-8f3a@dosing-diary>"
    assert mail.message["From"] == "dosing-diary@trial.example.org"
    assert mail.message["Date"]


def test_message_id_is_generated_when_not_given(sink, sender):
    sender.send([SITE], "Cycle not confirmed", "Please confirm cycle 3.")

    [mail] = sink.wait_for(1)
    assert mail.message_id.startswith("<") and mail.message_id.endswith("@trial.example.org>")


@pytest.mark.parametrize("command", ["RCPT", "DATA"])
def test_451_is_a_retryable_error_and_the_retry_goes_through(sink, sender, command):
    sink.script(command, [451])

    with pytest.raises(EmailError) as failure:
        sender.send([SITE], "Alert", "body")
    sender.send([SITE], "Alert", "body")

    assert failure.value.retryable and failure.value.smtp_code == 451
    assert len(sink.wait_for(1)) == 1


@pytest.mark.parametrize("command", ["MAIL", "RCPT", "DATA"])
def test_550_is_a_permanent_error(sink, sender, command):
    sink.script(command, [550])

    with pytest.raises(EmailError) as failure:
        sender.send([SITE], "Alert", "body")

    assert not failure.value.retryable and failure.value.smtp_code == 550
    assert sink.messages == []


def test_partly_refused_recipients_are_reported_without_retry(sink, sender):
    sink.script("RCPT", [550])

    with pytest.raises(EmailError, match="refused") as failure:
        sender.send(["gone@hospital.example.org", SITE], "Alert", "body")

    assert not failure.value.retryable
    assert sink.wait_for(1)[0].rcpt_tos == [SITE]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_login_with_credentials_from_the_url():
    with SmtpSink(credentials=("alerts", "s3cr:t/pw")) as sink:
        url = f"smtp://alerts:s3cr%3At%2Fpw@127.0.0.1:{sink.port}"
        SmtpSender.from_url(url).send([SITE], "Alert", "body")
        assert sink.wait_for(1)[0].rcpt_tos == [SITE]

        with pytest.raises(EmailError) as failure:
            SmtpSender.from_url(f"smtp://alerts:wrong@127.0.0.1:{sink.port}").send([SITE], "Alert", "body")
    assert not failure.value.retryable and failure.value.smtp_code == 535


def test_refused_connection_is_retryable():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        free_port = probe.getsockname()[1]

    with pytest.raises(EmailError) as failure:
        SmtpSender.from_url(f"smtp://127.0.0.1:{free_port}").send([SITE], "Alert", "body")

    assert failure.value.retryable and failure.value.smtp_code is None


def test_server_that_never_answers_times_out_as_retryable():
    with SilentServer() as silent:
        sender = SmtpSender.from_url(f"smtp://127.0.0.1:{silent.port}?timeout=0.5")
        started = time.monotonic()
        with pytest.raises(EmailError) as failure:
            sender.send([SITE], "Alert", "body")
        elapsed = time.monotonic() - started

    assert failure.value.retryable
    assert 0.4 <= elapsed < 1.5


def test_url_forms_are_parsed():
    plain = SmtpSender.from_url("smtp://mail.example.org")
    tls = SmtpSender.from_url("smtp://u%40x:p%40ss@mail.example.org:587?starttls=1&from=noreply@example.org")
    implicit = SmtpSender.from_url("smtps://mail.example.org")

    assert (plain.port, plain.starttls, plain.use_ssl, plain.from_addr) == (
        25,
        False,
        False,
        "dosing-diary@localhost",
    )
    assert (tls.port, tls.starttls, tls.username, tls.password, tls.from_addr) == (
        587,
        True,
        "u@x",
        "p@ss",
        "noreply@example.org",
    )
    assert (implicit.port, implicit.use_ssl) == (465, True)
    assert "p@ss" not in repr(tls)


@pytest.mark.parametrize("url", ["http://mail.example.org", "smtp://", "smtps://h?starttls=1"])
def test_bad_urls_are_rejected(url):
    with pytest.raises(ValueError):
        SmtpSender.from_url(url)


def test_header_injection_and_empty_recipients_are_refused(sink, sender):
    with pytest.raises(ValueError):
        sender.send([SITE], "Alert\r\nBcc: someone@evil.example", "body")
    with pytest.raises(ValueError):
        sender.send([], "Alert", "body")
    assert sink.messages == []
