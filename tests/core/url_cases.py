"""parse_url against the shared server-URL vectors (tests/vectors/
server_urls.json), under CPython (test_url_vectors.py) and MicroPython.
Plain asserts, no pytest."""

import json

from artcast_core.http import parse_url

try:
    HERE = __file__.rsplit("/", 1)[0]
except AttributeError:
    HERE = "."
VECTORS = HERE + "/../vectors/server_urls.json"


def vectors():
    with open(VECTORS) as f:
        return json.load(f)


def test_urls_taken():
    for url, want in vectors()["ok"]:
        got = parse_url(url)
        assert list(got) == want, (url, got, want)


def test_urls_refused_with_a_message():
    for url, message in vectors()["refused"]:
        try:
            got = parse_url(url)
        except ValueError as e:
            assert str(e).startswith(message), (url, str(e))
        else:
            assert False, (url, got)
