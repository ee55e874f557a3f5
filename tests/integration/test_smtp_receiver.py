"""The development SMTP receiver ("smtp-receiver"): a message sent with smtplib lands in its Maildir."""

from __future__ import annotations

import smtplib
import time
from email.message import EmailMessage

from apps.smtp_receiver import read_messages


def test_a_message_sent_over_smtp_lands_in_the_maildir(start_full, unique) -> None:
    receiver = start_full("smtp-receiver")["smtp-receiver"]
    message = EmailMessage()
    message["From"] = "airflow@fraud.test"
    message["To"] = "ops@fraud.test, oncall@fraud.test"
    message["Subject"] = f"Airflow alert {unique}"
    message.set_content(f"task extract_transactions failed ({unique})")
    with smtplib.SMTP(receiver.smtp_host, receiver.settings.smtp.port, timeout=10) as smtp:
        refused = smtp.send_message(message)
    assert refused == {}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [m for m in read_messages(receiver.maildir) if unique in m.subject]
        if found:
            break
        time.sleep(0.2)
    assert len(found) == 1, "the message did not reach the maildir"
    stored = found[0]
    assert stored.sender == "airflow@fraud.test"
    assert stored.recipients == ["ops@fraud.test", "oncall@fraud.test"]
    assert f"task extract_transactions failed ({unique})" in stored.body


def test_probe_speaks_smtp(start_full) -> None:
    receiver = start_full("smtp-receiver")["smtp-receiver"]
    receiver.probe().check()  # EHLO + NOOP answered 250
