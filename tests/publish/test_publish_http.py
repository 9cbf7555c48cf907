"""HTTP publish against real server processes on loopback multicast:
every status code, tokens per pattern, SIGHUP reload, and two servers on
one group agreeing on the ETag of an HTTP-published datum."""

import json
import signal
import threading

from publish_support import TOKEN, latest, post, wait_until


def test_publish_is_off_without_tokens_and_says_how_to_turn_it_on(server):
    status, _, body = post(server, "room/light", "on")
    assert status == 403
    assert "--publish-token" in body


def test_missing_or_unknown_token_is_401_with_bearer_challenge(server_factory):
    server = server_factory("--publish-token", TOKEN)
    for token in (None, "not-the-token"):
        status, headers, body = post(server, "room/light", "on", token=token)
        assert status == 401, body
        assert headers["www-authenticate"].startswith("Bearer")


def test_accepted_value_reaches_a_waiting_client_with_the_same_etag(server_factory):
    server = server_factory("--publish-token", TOKEN)
    got = {}

    def wait():
        got["answer"] = server.get("/artcasts/room/light", timeout=15)
    waiter = threading.Thread(target=wait)
    waiter.start()
    wait_until(lambda: server.status()["waiting_clients"] == 1, what="the client to wait")
    status, headers, _ = post(server, "room/light", {"r": 255})
    assert status == 202
    waiter.join(15)
    answer_status, answer_headers, answer_body = got["answer"]
    assert answer_status == 200 and json.loads(answer_body) == {"r": 255}
    assert answer_headers["etag"] == headers["etag"]


def test_text_plain_body_is_published_as_a_string_and_put_works_too(server_factory):
    server = server_factory("--publish-token", TOKEN)
    assert post(server, "room/word", b"hello there", content_type="text/plain")[0] == 202
    wait_until(lambda: latest(server, "room/word")[2] == "hello there", what="the string")
    assert post(server, "room/word", 7, method="PUT")[0] == 202
    wait_until(lambda: latest(server, "room/word")[2] == 7, what="the PUT value")


def test_bad_key_bad_body_too_large_and_refused_numbers_are_4xx(server_factory):
    server = server_factory("--publish-token", TOKEN)
    assert post(server, "bad//key", 1)[0] == 400
    status, _, body = post(server, "room/x", b"{not json")
    assert status == 400 and "not JSON" in body
    assert post(server, "room/x", b"NaN")[0] == 400
    assert post(server, "room/x", b"")[0] == 400
    assert post(server, "room/x", "x" * 9000)[0] == 413
    assert post(server, "room/x", b"1", content_type="image/png")[0] == 415
    assert server.status()["datums_received"] == 0


def test_rate_limit_is_per_key_and_token_with_retry_after(server_factory):
    server = server_factory("--publish-token", TOKEN, "--publish-rate", "1")
    assert post(server, "room/a", 1)[0] == 202
    status, headers, _ = post(server, "room/a", 2)
    assert status == 429 and int(headers["retry-after"]) >= 1
    assert post(server, "room/b", 1)[0] == 202       # another key is not limited by the first


def test_tokens_file_patterns_and_sighup_reload(server_factory, tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text("# one token per group\ngroup-one-token class/g1/*\n")
    server = server_factory("--publish-tokens", str(tokens))
    assert post(server, "class/g1/light", 1, token="group-one-token")[0] == 202
    assert post(server, "class/g2/light", 1, token="group-one-token")[0] == 403
    assert post(server, "class/g2/light", 1, token="group-two-token")[0] == 401
    tokens.write_text("group-one-token class/g1/*\ngroup-two-token class/g2/*\n")
    server.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: post(server, "class/g2/light", 2, token="group-two-token")[0] == 202,
               what="the reloaded token")
    tokens.write_text("broken line with three fields\n")
    server.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "kept the previous" in server.stderr(), what="the reload error in the log")
    assert post(server, "class/g2/light", 3, token="group-two-token")[0] in (202, 429)
    assert TOKEN not in server.stderr() and "group-two-token" not in server.stderr()


def test_two_servers_on_one_group_hold_the_same_datum_and_etag(server_factory):
    a = server_factory("--publish-token", TOKEN)
    b = server_factory(data_port=a.data_port, register_port=a.register_port)
    status, headers, _ = post(a, "room/light", "on")
    assert status == 202
    for server in (a, b):
        wait_until(lambda: latest(server, "room/light")[1] == headers["etag"], what="the datum on every server")
