"""E-mail over SMTP: messages built from a rendered :class:`~forewarn.notify.render.Mail`,
sent in batches over one connection.

Each message carries the notification's id as its ``Message-ID`` and in
``X-Forewarn-Notification``, so a resend after a crash is recognisably the same message.
A connection that cannot be opened (server down, refused, TLS or log-in failure) defers
the whole batch; a recipient the server refuses for good (5xx) fails that message only.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from forewarn.notify.config import MailServer
from forewarn.notify.render import Mail

DELIVERED, DEFERRED, FAILED = "delivered", "deferred", "failed"


@dataclass(frozen=True)
class Outcome:
    """What became of one delivery attempt (``error`` never holds a secret)."""

    status: str
    error: str | None = None
    detail: Mapping[str, object] | None = None


@dataclass(frozen=True)
class Envelope:
    """One message to send: to whom, what, and the headers that identify it."""

    uid: str
    to: str
    mail: Mail
    headers: Mapping[str, str]


WIRE = compat32.clone(linesep="\r\n")
"""Classic MIME rendering with the CRLF line ends SMTP requires."""


def _header(value: str) -> Any:
    return value if value.isascii() else Header(value, "utf-8")


def build(sender: str, envelope: Envelope) -> MIMEMultipart:
    """The MIME message: plain text and HTML alternatives, identified by the notification id.

    Built with the standard library's classic MIME classes, which cost a fraction of the
    header parsing ``EmailMessage`` does for every header."""
    message = MIMEMultipart("alternative")
    message["Subject"] = _header(envelope.mail.subject)
    message["From"] = _header(sender)
    message["To"] = envelope.to
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(idstring=envelope.uid, domain="forewarn")
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = envelope.mail.language
    message["X-Forewarn-Notification"] = envelope.uid
    for name, value in envelope.headers.items():
        message[name] = _header(value)
    message.attach(MIMEText(envelope.mail.text, "plain", "utf-8"))
    message.attach(MIMEText(envelope.mail.html, "html", "utf-8"))
    return message


def wire(sender: str, envelope: Envelope) -> bytes:
    """The message as it goes over the wire."""
    return build(sender, envelope).as_bytes(policy=WIRE)


@contextmanager
def connection(server: MailServer) -> Iterator[smtplib.SMTP]:
    """An SMTP connection in the configured TLS mode, logged in when a user is set."""
    context = server.tls_context()
    client: smtplib.SMTP
    if server.tls == "tls":
        client = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout, context=context)
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
    try:
        client.ehlo()
        if server.tls == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if server.user:
            client.login(server.user, server.password or "")
        yield client
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def _describe(exc: BaseException) -> str:
    """A one-line description of an SMTP failure (never the password)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"SMTP {exc.smtp_code}: {text}"[:300]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()))
        return f"SMTP {code}: recipient refused ({reply.decode('utf-8', 'replace')})"[:300]
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"the server's TLS certificate is not trusted ({exc.verify_message}); if it is "
            "signed by a private CA, name its certificate in FOREWARN_SMTP_CA_FILE"
        )[:300]
    return f"{type(exc).__name__}: {exc}"[:300]


def _permanent(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500 and not isinstance(exc, smtplib.SMTPServerDisconnected)
    return False


def _send_one(client: smtplib.SMTP, server: MailServer, envelope: Envelope) -> Outcome:
    try:
        client.sendmail(parseaddr(server.sender)[1], [envelope.to], wire(server.sender, envelope))
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
        return Outcome(FAILED if _permanent(exc) else DEFERRED, _describe(exc))
    return Outcome(DELIVERED)


@dataclass(frozen=True)
class Sent:
    """The outcomes of a batch, and whether the connection failed."""

    outcomes: list[Outcome]
    connection_failed: bool = False


def send_batch(server: MailServer, envelopes: Sequence[Envelope]) -> Sent:
    """Send ``envelopes`` over one connection; one outcome each, in order.

    When the connection fails, every message not yet sent is deferred."""
    outcomes: list[Outcome] = []
    if not envelopes:
        return Sent(outcomes)
    try:
        with connection(server) as client:
            for envelope in envelopes:
                outcomes.append(_send_one(client, server, envelope))
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        if len(outcomes) == len(envelopes):  # all sent; only the goodbye failed
            return Sent(outcomes)
        problem = f"cannot send through {server.host}:{server.port}: {_describe(exc)}"
        outcomes += [Outcome(DEFERRED, problem)] * (len(envelopes) - len(outcomes))
        return Sent(outcomes, connection_failed=True)
    return Sent(outcomes)
