"""Publish tokens and the per-key rate limit (pure; the HTTP side is in
test_publish_http.py)."""

import pytest

from artcast_server.tokens import RateLimit, Tokens, parse_tokens


def test_one_token_for_every_key():
    t = Tokens(token="abcdefgh")
    assert t.enabled
    assert t.check("Bearer abcdefgh", "any/key") == (200, "token 1")
    assert t.check("bearer abcdefgh", "any/key")[0] == 200
    assert t.check("Bearer wrongtoken", "any/key") == (401, None)
    assert t.check(None, "k") == (401, None)
    assert t.check("Basic abcdefgh", "k") == (401, None)


def test_no_tokens_means_publish_is_off():
    assert not Tokens().enabled


def test_tokens_file_patterns(tmp_path):
    path = tmp_path / "tokens"
    path.write_text("# group tokens\ngroup-one-token class/g1/*\nteacher-token *\ngroup-one-token shared\n")
    t = Tokens(path=str(path))
    assert t.check("Bearer group-one-token", "class/g1/light")[0] == 200
    assert t.check("Bearer group-one-token", "shared")[0] == 200
    assert t.check("Bearer group-one-token", "class/g2/light")[0] == 403
    assert t.check("Bearer teacher-token", "class/g2/light")[0] == 200


def test_reload_keeps_old_tokens_when_the_file_breaks(tmp_path):
    path = tmp_path / "tokens"
    path.write_text("first-token *\n")
    t = Tokens(path=str(path))
    path.write_text("second-token *\n")
    t.reload()
    assert t.check("Bearer second-token", "k")[0] == 200
    assert t.check("Bearer first-token", "k")[0] == 401
    path.write_text("second-token ro*m\n")
    with pytest.raises(ValueError, match="line 1"):
        t.reload()
    assert t.check("Bearer second-token", "k")[0] == 200


def test_token_file_errors():
    with pytest.raises(ValueError, match="8 characters"):
        parse_tokens("short *\n")
    with pytest.raises(ValueError, match="line 2"):
        parse_tokens("longenough *\njust-one-field\n")


class Clock:
    t = 100.0

    def __call__(self):
        return self.t


def test_rate_limit_per_token_and_key():
    clock = Clock()
    limit = RateLimit(2, clock=clock)
    assert [limit.take("token 1", "k") for _ in range(2)] == [0, 0]
    assert limit.take("token 1", "k") >= 1          # third within the second: wait
    assert limit.take("token 1", "other") == 0      # another key has its own bucket
    assert limit.take("token 2", "k") == 0          # another token too
    clock.t += 0.5
    assert limit.take("token 1", "k") == 0


def test_rate_limit_memory_is_bounded():
    clock = Clock()
    limit = RateLimit(1, clock=clock, max_buckets=100)
    for i in range(1000):
        clock.t += 0.01
        limit.take("token 1", "k%d" % i)
    assert len(limit.buckets) <= 100
