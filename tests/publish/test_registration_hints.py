# Control hints in registrations (unit, min, max, choices): plain asserts,
# run under CPython here and under MicroPython by
# test_registration_hints_micropython.py (the core ships to the firmware).

from artcast_core.datagram import encode_registration, parse_registration
from artcast_core.errors import WireError


def refused(payload):
    try:
        parse_registration(payload)
    except WireError as exc:
        return exc.reason
    return None


def test_old_registrations_keep_their_2012_bytes_and_shape():
    payload = encode_registration("k", "A key", "me")
    assert payload == b'["k", {"description": "A key", "provenance": "me", "license": null}]'
    assert parse_registration(payload)[1] == {"description": "A key", "provenance": "me", "license": None}


def test_hints_round_trip():
    payload = encode_registration("room/dimmer", "Dimmer", None, None, unit="%", min=0, max=100)
    assert parse_registration(payload)[1]["unit"] == "%"
    assert (parse_registration(payload)[1]["min"], parse_registration(payload)[1]["max"]) == (0, 100)
    payload = encode_registration("room/scene", choices=["calm", "storm", 3, True])
    assert parse_registration(payload)[1]["choices"] == ["calm", "storm", 3, True]


def test_bad_hints_are_refused_by_reason():
    assert refused(b'["k", {"min": "low"}]') == "bad-registration"
    assert refused(b'["k", {"min": 5, "max": 1}]') == "bad-registration"
    assert refused(b'["k", {"unit": 3}]') == "bad-registration"
    assert refused(b'["k", {"choices": []}]') == "bad-registration"
    assert refused(b'["k", {"choices": [{"a": 1}]}]') == "bad-registration"
    assert refused(b'["k", {"choices": [true]}]') is None
    assert refused(b'["k", {"min": true}]') == "bad-registration"


def test_encode_refuses_bad_hints_as_the_callers_mistake():
    for hints in ({"min": 3, "max": 3}, {"unit": "x" * 30}, {"choices": list(range(30))}):
        try:
            encode_registration("k", **hints)
        except ValueError as exc:
            assert not isinstance(exc, WireError)
        else:
            raise AssertionError("accepted %r" % (hints,))
