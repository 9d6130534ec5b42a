"""Sending e-mail over SMTP (standard library ``smtplib``): one connection per digest run.

Settings: ``IOFS_SMTP_HOST``, ``IOFS_SMTP_PORT``, ``IOFS_SMTP_TLS`` (``none``, ``starttls``:
RFC 3207, or ``ssl``: TLS from the first byte, RFC 8314), ``IOFS_SMTP_USERNAME`` /
``IOFS_SMTP_PASSWORD`` (SMTP AUTH, only over TLS unless ``none`` is chosen) and
``IOFS_SMTP_SENDER``. TLS certificates are verified against the system's trust store
(``ssl.create_default_context``; ``SSL_CERT_FILE`` points it at another CA bundle).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import parseaddr
from types import TracebackType

from iofs.config import Settings
from iofs.i18n import gettext as _


class MailError(Exception):
    """A message could not be sent; the message is one sentence an operator can act on."""


class MailNotConfigured(MailError):
    """``IOFS_SMTP_HOST`` or ``IOFS_SMTP_SENDER`` is unset."""


def check_configured(settings: Settings) -> None:
    """Raise :class:`MailNotConfigured` unless a server and a sender are set."""
    missing = [
        name
        for name, value in (
            ("IOFS_SMTP_HOST", settings.smtp_host),
            ("IOFS_SMTP_SENDER", settings.smtp_sender),
        )
        if not value
    ]
    if missing:
        raise MailNotConfigured(
            _("E-mail is not configured: set %(names)s (and IOFS_SMTP_PORT, IOFS_SMTP_TLS).")
            % {"names": ", ".join(missing)}
        )
    if "@" not in parseaddr(settings.smtp_sender or "")[1]:
        raise MailNotConfigured(
            _("IOFS_SMTP_SENDER must be an e-mail address, e.g. 'IOFS <alerts@example.org>'.")
        )


def sender_domain(settings: Settings) -> str:
    """The domain of the sender's address (for Message-IDs)."""
    return parseaddr(settings.smtp_sender or "")[1].rpartition("@")[2] or "localhost"


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        raw = error.smtp_error
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
        return f"{error.smtp_code} {text}".strip().rstrip(".")
    return (str(error) or type(error).__name__).rstrip(".")


class Mailer:
    """An SMTP connection opened at the first message and kept for the next ones.

    Use as a context manager. After a connection failure every further :meth:`send` fails
    with the same sentence at once (a run does not wait for the timeout once per message).
    """

    def __init__(self, settings: Settings) -> None:
        check_configured(settings)
        self.settings = settings
        self.server = f"{settings.smtp_host}:{settings.resolved_smtp_port}"
        self._connection: smtplib.SMTP | None = None
        self._broken: str | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _unreachable(self, error: BaseException) -> MailError:
        self._broken = _(
            "The SMTP server %(server)s cannot be used: %(reason)s. Check IOFS_SMTP_HOST, "
            "IOFS_SMTP_PORT, IOFS_SMTP_TLS and that the server is running."
        ) % {"server": self.server, "reason": _reason(error)}
        return MailError(self._broken)

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        host, port = settings.smtp_host or "", settings.resolved_smtp_port
        timeout = settings.smtp_timeout
        connection: smtplib.SMTP
        try:
            if settings.smtp_tls == "ssl":
                connection = smtplib.SMTP_SSL(
                    host, port, timeout=timeout, context=ssl.create_default_context()
                )
            else:
                connection = smtplib.SMTP(host, port, timeout=timeout)
                if settings.smtp_tls == "starttls":
                    connection.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                connection.login(settings.smtp_username, settings.smtp_password or "")
        except smtplib.SMTPAuthenticationError as error:
            self._broken = _(
                "The SMTP server %(server)s refused the login: %(reason)s. Check "
                "IOFS_SMTP_USERNAME and IOFS_SMTP_PASSWORD."
            ) % {"server": self.server, "reason": _reason(error)}
            raise MailError(self._broken) from None
        except (OSError, smtplib.SMTPException) as error:
            raise self._unreachable(error) from None
        return connection

    def send(self, message: EmailMessage) -> None:
        """Hand ``message`` to the server; raise :class:`MailError` with the reason."""
        if self._broken is not None:
            raise MailError(self._broken)
        if self._connection is None:
            self._connection = self._connect()
        try:
            self._connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            reasons = "; ".join(
                f"{address}: {_reason(smtplib.SMTPResponseException(code, text))}"
                for address, (code, text) in error.recipients.items()
            )
            raise MailError(
                _("The SMTP server refused the recipient (%(reason)s).") % {"reason": reasons}
            ) from None
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            self._connection = None
            raise self._unreachable(error) from None
        except smtplib.SMTPException as error:
            raise MailError(
                _("The SMTP server refused the message: %(reason)s.") % {"reason": _reason(error)}
            ) from None

    def close(self) -> None:
        """End the SMTP session (QUIT) if one is open."""
        if self._connection is not None:
            try:
                self._connection.quit()
            except (OSError, smtplib.SMTPException):
                self._connection.close()
            self._connection = None
