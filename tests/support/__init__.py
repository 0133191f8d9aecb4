"""Real local servers for tests: a Web Push service, an SMTP sink and a server that never answers."""

from tests.support.push_endpoint import PushEndpoint, Received, SilentServer
from tests.support.smtp_server import ReceivedMail, SmtpSink

__all__ = ["PushEndpoint", "Received", "ReceivedMail", "SilentServer", "SmtpSink"]
