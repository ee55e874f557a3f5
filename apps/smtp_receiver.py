"""The development SMTP receiver (aiosmtpd): accepts every message on 127.0.0.1:SMTP_PORT and stores it in a
Maildir under the state dir, so tests and developers can read what Airflow's failure e-mails say.

Run it with `python -m apps.smtp_receiver`; read it with `read_messages(maildir)`.
"""

from __future__ import annotations

import mailbox
import signal
import sys
import threading
from dataclasses import dataclass
from email.message import Message as EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from fraud_platform.config import load_config
from fraud_platform.logs import configure_logging, get_logger


@dataclass(frozen=True)
class StoredMessage:
    key: str
    sender: str
    recipients: list[str]
    subject: str
    body: str  # the text parts, decoded


class MaildirHandler(Message):
    """aiosmtpd handler: each message (with X-MailFrom/X-RcptTo added by aiosmtpd) becomes a Maildir file."""

    def __init__(self, maildir: Path) -> None:
        super().__init__()
        self.mailbox = mailbox.Maildir(maildir, create=True)
        self.log = get_logger("smtp_receiver")

    def handle_message(self, message: EmailMessage) -> None:
        key = self.mailbox.add(message)
        self.log.info("message_stored", key=key, sender=message.get("X-MailFrom"), subject=message.get("Subject"))


def read_messages(maildir: Path) -> list[StoredMessage]:
    """Every message in `maildir`, oldest first (by delivery time)."""
    if not maildir.exists():
        return []
    box = mailbox.Maildir(maildir, create=False)
    items = sorted(box.iteritems(), key=lambda kv: kv[1].get_date())
    return [_stored(key, msg) for key, msg in items]


def _stored(key: str, msg: mailbox.MaildirMessage) -> StoredMessage:
    texts = []
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True) or b""
            texts.append(payload.decode(part.get_content_charset() or "utf-8", errors="replace"))
    recipients = [r.strip() for r in (msg.get("X-RcptTo") or "").split(",") if r.strip()]
    return StoredMessage(key, msg.get("X-MailFrom", ""), recipients, str(msg.get("Subject", "")), "\n".join(texts))


def main() -> None:
    configure_logging(json=True)
    ctx = load_config()
    host, port = ctx.settings.platform.bind_host, ctx.settings.smtp.port
    maildir = ctx.paths.service_data("smtp-receiver") / "maildir"
    controller = Controller(MaildirHandler(maildir), hostname=host, port=port, server_hostname="fraud-platform")
    try:
        controller.start()
    except (OSError, RuntimeError) as exc:
        print(f"smtp-receiver: error: cannot listen on {host}:{port}: {exc}", file=sys.stderr)
        sys.exit(1)
    get_logger("smtp_receiver").info("listening", host=host, port=port, maildir=str(maildir))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
