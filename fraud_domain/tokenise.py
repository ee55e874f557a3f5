"""Keyed, one-way tokens for card numbers and IP addresses (HMAC-SHA256, hex).

Tokens are deterministic for a key, so joins and per-card features work on tokens alone, and the clear
value is never stored, logged or put in an error message. The ``card:``/``ip:`` prefixes separate the two
domains: the same string tokenised as a card and as an IP gives unrelated tokens.
"""

import hashlib
import hmac
import ipaddress
import re

from fraud_domain.errors import TokenisationError

MIN_KEY_BYTES = 32  # the HMAC-SHA256 block of entropy; a short key would make tokens guessable
_CARD_SEPARATORS = re.compile(r"[ \-]")
_CARD_DIGITS = re.compile(r"[0-9]{12,19}")  # ISO/IEC 7812 PAN lengths


class Tokeniser:
    """Tokenise card numbers and IP addresses with one secret key.

    >>> t = Tokeniser(b"k" * 32); len(t.card("4111 1111 1111 1111"))
    64
    """

    __slots__ = ("_mac",)

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes | bytearray) or len(key) < MIN_KEY_BYTES:
            raise TokenisationError(f"key must be at least {MIN_KEY_BYTES} bytes")
        self._mac = hmac.new(bytes(key), digestmod=hashlib.sha256)  # copied per call: no re-keying cost

    def __repr__(self) -> str:
        return "Tokeniser(key=<hidden>)"

    def _token(self, domain: bytes, value: str) -> str:
        mac = self._mac.copy()
        mac.update(domain + value.encode("utf-8"))
        return mac.hexdigest()

    def card(self, number: str) -> str:
        """Token of a card number; spaces and dashes are ignored, 12-19 digits required."""
        digits = _CARD_SEPARATORS.sub("", number) if isinstance(number, str) else None
        if digits is None or not _CARD_DIGITS.fullmatch(digits):
            raise TokenisationError("card number must be 12-19 digits (spaces and dashes allowed)")
        return self._token(b"card:", digits)

    def ip(self, address: str) -> str:
        """Token of an IPv4/IPv6 address in canonical form (so ``::0001`` and ``::1`` agree)."""
        try:
            canonical = ipaddress.ip_address(address.strip()).compressed
        except (ValueError, AttributeError):
            raise TokenisationError("not a valid IP address") from None
        return self._token(b"ip:", canonical)
