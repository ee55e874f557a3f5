"""``scrub``: what the platform writes about rejected input (DLQ reasons, quarantined rows) never carries a
clear card number or IP address, even when a producer sent one where a token belongs.

A card number is any run of 12 or more digits, single spaces or dashes allowed between them (the way
card numbers are written), not glued to other letters or digits, directly or by a dash (so a hex token
or a UUID that happens to hold a long run of digits is left alone) nor part of a decimal number
(``0.6035788655281067``). An IP address is a dotted IPv4 quad, or an IPv6 address written with all eight
groups or with ``::`` (so a clock time such as ``12:30:45``, or ``::`` alone, is not one).
"""

from __future__ import annotations

import re

CARD_REDACTED = "[card-number-redacted]"
IP_REDACTED = "[ip-redacted]"

_CARD = re.compile(
    r"(?<![0-9A-Za-z])(?<![0-9A-Za-z]-)(?<!\d\.)"  # not a token's tail (``...-6237...``) nor a decimal's part
    r"\d(?:[ -]?\d){11,}"
    r"(?![0-9A-Za-z])(?!-[0-9A-Za-z])(?!\.\d)")  # nor a token's head (a UUID ``62377160-0915-5733-a1b2-...``)
_IPV4 = re.compile(r"(?<![0-9.])(?:\d{1,3}\.){3}\d{1,3}(?![0-9.])")
_IPV6 = re.compile(r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])")


def _is_ipv6(text: str) -> bool:
    """A candidate that really reads as an IPv6 address: all eight groups, or ``::`` with at least two groups
    (``fe80::1``) or leading (``::1``) - not ``::`` alone or ``std::`` in a message."""
    groups = [g for g in text.split(":") if g]
    if text.count(":") == 7 and len(groups) == 8:
        return True
    return "::" in text and (len(groups) >= 2 or (text.startswith("::") and len(groups) == 1))


def _ipv6(match: re.Match[str]) -> str:
    return IP_REDACTED if _is_ipv6(match.group()) else match.group()


def holds_pii(text: str) -> bool:
    """Whether ``text`` holds something ``scrub`` would replace (a free-text field must not carry one)."""
    if _CARD.search(text) or _IPV4.search(text):
        return True
    return ":" in text and any(_is_ipv6(m.group()) for m in _IPV6.finditer(text))


def scrub(text: str) -> str:
    """``text`` with every card-number-like digit run and IP address replaced by a marker."""
    if not any(c.isdigit() for c in text):
        return text
    return _IPV6.sub(_ipv6, _IPV4.sub(IP_REDACTED, _CARD.sub(CARD_REDACTED, text)))


def luhn_valid(digits: str) -> bool:
    """The check digit card numbers carry (ISO/IEC 7812)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def clear_pii(text: str) -> list[str]:
    """What a scan of stored data reports: each payment card number (13-19 digits, first digit 2-6 - the
    banking and financial industry identifiers - and Luhn-valid) and each IP address in ``text``. Stricter
    than ``holds_pii`` (which guards free text): stored data is full of long numbers - epoch microseconds
    (first digit 1 until 2033), ids - that are not card numbers."""
    found = [m.group() for m in _CARD.finditer(text)
             if 13 <= len(digits := re.sub(r"[ -]", "", m.group())) <= 19 and digits[0] in "23456"
             and luhn_valid(digits)]
    found += _IPV4.findall(text)
    if ":" in text:
        found += [m.group() for m in _IPV6.finditer(text) if _is_ipv6(m.group())]
    return found
