"""Signed datagrams: the format, the verifier's four drop reasons, bindings,
and the keys file (PROTOCOL.md "Signed datagrams")."""

import pytest

from artcast_core.datagram import encode_datum
from artcast_core.errors import WireError
from artcast_core.etag import etag_for
from artcast_core.signing import Verifier, is_signed, parse_keys, sign, unwrap

SECRET = b"0123456789abcdef-secret"
BODY = encode_datum("room/light", "on")


class Clock:
    def __init__(self, t=1700000000.0):
        self.t = t

    def __call__(self):
        return self.t


def reason(fn, *args):
    with pytest.raises(WireError) as err:
        fn(*args)
    return err.value.reason


def test_signed_datagram_is_a_line_then_the_2012_body():
    payload = sign(BODY, "g1", SECRET, now=1700000000.5, nonce="00112233445566aa")
    head, _, body = payload.partition(b"\n")
    assert body == BODY
    fields = head.split(b" ")
    assert fields[:4] == [b"ACS1", b"g1", b"1700000000500", b"00112233445566aa"]
    assert len(fields[4]) == 64 and is_signed(payload) and not is_signed(BODY)
    key_id, time_ms, nonce, mac, signed, body = unwrap(payload)
    assert (key_id, time_ms, body) == ("g1", 1700000000500, BODY)


def test_verifier_accepts_a_fresh_signature_and_names_the_key_id():
    clock = Clock()
    v = Verifier({"g1": SECRET}, clock=clock)
    body, key_id = v.open(sign(BODY, "g1", SECRET, now=clock.t))
    assert (body, key_id) == (BODY, "g1")


def test_unsigned_accepted_unless_required():
    assert Verifier({"g1": SECRET}).open(BODY) == (BODY, None)
    assert reason(Verifier({"g1": SECRET}, require=True).open, BODY) == "unsigned"


def test_bad_signatures_wrong_secret_unknown_id_tampered_body_malformed_line():
    clock = Clock()
    v = Verifier({"g1": SECRET}, clock=clock)
    assert reason(v.open, sign(BODY, "g1", b"another-secret-0000", now=clock.t)) == "bad-signature"
    assert reason(v.open, sign(BODY, "g9", SECRET, now=clock.t)) == "bad-signature"
    good = sign(BODY, "g1", SECRET, now=clock.t)
    assert reason(v.open, good.replace(b'"on"', b'"of"')) == "bad-signature"
    assert reason(v.open, b"ACS1 g1 12\n" + BODY) == "bad-signature"
    assert reason(v.open, b"ACS1 no newline at all") == "bad-signature"
    assert reason(v.open, b"ACS1 g1 notanumber 0011223344556677 " + b"0" * 64 + b"\n[]") == "bad-signature"


def test_stale_outside_the_window_either_way():
    clock = Clock()
    v = Verifier({"g1": SECRET}, window=30, clock=clock)
    assert reason(v.open, sign(BODY, "g1", SECRET, now=clock.t - 31)) == "stale"
    assert reason(v.open, sign(BODY, "g1", SECRET, now=clock.t + 31)) == "stale"
    assert v.open(sign(BODY, "g1", SECRET, now=clock.t - 29))[1] == "g1"


def test_replay_within_the_window_is_dropped_and_memory_stays_bounded():
    clock = Clock()
    v = Verifier({"g1": SECRET}, window=30, clock=clock, max_remembered=50)
    payload = sign(BODY, "g1", SECRET, now=clock.t)
    v.open(payload)
    assert reason(v.open, payload) == "replayed"
    for i in range(200):
        clock.t += 0.5
        v.open(sign(BODY, "g1", SECRET, now=clock.t))
    assert len(v.seen) <= 50
    clock.t += 100                      # the first one is now stale, not replayable
    assert reason(v.open, payload) == "stale"


def test_etag_of_a_signed_datagram_is_the_hash_of_all_its_bytes():
    payload = sign(BODY, "g1", SECRET, now=1700000000.0, nonce="0011223344556677")
    assert etag_for(payload) != etag_for(BODY)
    assert etag_for(payload) == etag_for(bytes(payload))


def test_bound_keys_only_from_their_key_id():
    secrets, bindings = parse_keys("g1: %s\ng2: %s\ngallery/* g1\n" % ("a" * 16, "b" * 16))
    v = Verifier(secrets, bindings)
    v.permit("gallery/north", "g1")
    v.permit("other", None)
    v.permit("other", "g2")
    assert reason(v.permit, "gallery/north", "g2") == "wrong-key"
    assert reason(v.permit, "gallery/north", None) == "wrong-key"


def test_keys_file_errors_name_the_line():
    with pytest.raises(ValueError, match="line 2"):
        parse_keys("g1: %s\ng2: short\n" % ("a" * 16))
    with pytest.raises(ValueError, match="line 1"):
        parse_keys("ro*m g1\n")
    with pytest.raises(ValueError, match="no secret"):
        parse_keys("room/* g1\n")
    with pytest.raises(ValueError, match="line 1"):
        parse_keys("bad id!: %s\n" % ("a" * 16))
    with pytest.raises(ValueError, match="no '<key-id>"):
        parse_keys("# nothing\n", need_secret=True)
    assert parse_keys("# c\n\ng1: %s\n" % ("x" * 20)) == ({"g1": b"x" * 20}, [])
