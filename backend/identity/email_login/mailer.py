"""Sending the login codes: `SmtpMailer` (real SMTP with STARTTLS) and `DevMailbox`
(development only: keeps the messages in memory and shows them at `GET /dev-mail`)."""

from __future__ import annotations

import smtplib
import ssl
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from backend.settings import DEV_MAILBOX_IN_PRODUCTION, Settings

SMTP_TIMEOUT_SECONDS = 15
DEV_MAILBOX_SIZE = 200


@dataclass(frozen=True)
class MailMessage:
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class SentMessage:
    message: MailMessage
    sent_at: datetime


class MailDeliveryError(Exception):
    """The message could not be handed to the mail server."""


class Mailer(Protocol):
    def send(self, message: MailMessage) -> None:
        """Deliver `message` or raise `MailDeliveryError`. May block (call it in a thread)."""
        ...


class SmtpMailer:
    """Hands messages to an SMTP server over STARTTLS (certificate checked), with login when
    a user is configured. One connection per message: codes are rare."""

    def __init__(self, host: str, port: int, sender: str, user: str | None = None,
                 password: str | None = None) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.user, self._password = user, password

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpMailer:
        if not settings.smtp_host or not settings.smtp_from:
            raise ValueError("SmtpMailer needs TSUYAMA_SMTP_HOST and TSUYAMA_SMTP_FROM")
        password = None
        if settings.smtp_password_path is not None:
            password = _read_password(settings.smtp_password_path)
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_from,
                   settings.smtp_user, password)

    def send(self, message: MailMessage) -> None:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email.set_content(message.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
                smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self._password or "")
                smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailDeliveryError(f"SMTP {self.host}:{self.port}: {exc}") from exc


def _read_password(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ValueError(f"TSUYAMA_SMTP_PASSWORD_FILE {path} cannot be read: {exc}") from exc


class DevMailbox:
    """Development only: messages are kept in memory (the newest `DEV_MAILBOX_SIZE`) and
    listed at `GET /dev-mail` so a developer or a browser test can read the code."""

    def __init__(self, settings: Settings) -> None:
        if settings.is_production:
            raise ValueError(DEV_MAILBOX_IN_PRODUCTION)
        self._messages: deque[SentMessage] = deque(maxlen=DEV_MAILBOX_SIZE)
        self._lock = threading.Lock()

    def send(self, message: MailMessage) -> None:
        with self._lock:
            self._messages.append(SentMessage(message, datetime.now(UTC)))

    def newest_first(self) -> list[SentMessage]:
        with self._lock:
            return list(reversed(self._messages))


def mailer_for(settings: Settings) -> Mailer:
    """The development mailbox when enabled (development only), else SMTP."""
    if settings.dev_mailbox_enabled:
        return DevMailbox(settings)
    return SmtpMailer.from_settings(settings)
