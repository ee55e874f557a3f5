import hashlib
import hmac
import re

import pytest

from fraud_domain.errors import TokenisationError
from fraud_domain.tokenise import Tokeniser

pytestmark = pytest.mark.unit
HEX64 = re.compile(r"[0-9a-f]{64}")


def test_tokens_are_deterministic_hex(tokeniser):
    token = tokeniser.card("4111111111111111")
    assert HEX64.fullmatch(token)
    assert token == tokeniser.card("4111111111111111")
    assert token == Tokeniser(b"unit-test-key-0123456789abcdef!!").card("4111111111111111")


def test_card_normalisation(tokeniser):
    token = tokeniser.card("4111111111111111")
    assert tokeniser.card("4111 1111 1111 1111") == token
    assert tokeniser.card("4111-1111-1111-1111") == token
    assert tokeniser.card("4111111111111112") != token


def test_ip_normalisation(tokeniser):
    assert tokeniser.ip("2001:db8::1") == tokeniser.ip("2001:0db8:0000::0001")
    assert tokeniser.ip(" 10.0.0.1 ") == tokeniser.ip("10.0.0.1")
    assert tokeniser.ip("10.0.0.1") != tokeniser.ip("10.0.0.2")


def test_domain_separation(tokeniser):
    # Each domain is its own HMAC message space: "card:<digits>" vs "ip:<address>", never the bare value.
    key = b"unit-test-key-0123456789abcdef!!"
    mac = lambda msg: hmac.new(key, msg, hashlib.sha256).hexdigest()  # noqa: E731
    assert tokeniser.card("4111111111111111") == mac(b"card:4111111111111111")
    assert tokeniser.card("4111111111111111") != mac(b"4111111111111111")
    assert tokeniser.ip("10.0.0.1") == mac(b"ip:10.0.0.1")
    assert tokeniser.ip("10.0.0.1") != mac(b"card:10.0.0.1")


def test_different_keys_differ():
    a, b = Tokeniser(b"a" * 32), Tokeniser(b"b" * 32)
    assert a.card("4111111111111111") != b.card("4111111111111111")


@pytest.mark.parametrize("bad", ["", "4111", "4111x1111111111", "4111111111111111111111", "٤١١١١١١١١١١١١"])
def test_bad_card_rejected_without_echo(tokeniser, bad):
    with pytest.raises(TokenisationError) as exc:
        tokeniser.card(bad)
    assert not bad or bad not in str(exc.value)


@pytest.mark.parametrize("bad", ["", "10.0.0", "999.1.1.1", "not-an-ip", None])
def test_bad_ip_rejected(tokeniser, bad):
    with pytest.raises(TokenisationError):
        tokeniser.ip(bad)


@pytest.mark.parametrize("key", [b"", b"short", "a string key" * 4])
def test_weak_or_wrong_key_rejected(key):
    with pytest.raises(TokenisationError):
        Tokeniser(key)


def test_repr_hides_key():
    assert "secret" not in repr(Tokeniser(b"secret" * 8))
