"""The routes and the hub in-process: the real HTTPServer on a loopback
socket in this process (tests/support/inprocess.py), so these tests take the
request path production takes; no subprocess, the same app object."""

import asyncio

from support.inprocess import InProcess


def run(coro):
    return asyncio.run(coro)


def make(poll_timeout=0.2, **hub_kwargs):
    return InProcess(poll_timeout=poll_timeout, **hub_kwargs)


def test_value_etag_and_wait_zero():
    async def go():
        async with make() as client:
            hub = client.hub
            hub.publish("k", {"a": 1}, b'["k", {"a": 1}]')
            res = await client.get("/artcasts/k?wait=0")
            assert res.status_code == 200 and res.json == {"a": 1}
            etag = res.headers["ETag"]
            res = await client.get("/artcasts/k?wait=0", headers={"If-None-Match": etag})
            assert res.status_code == 204
            res = await client.get("/artcasts/k?wait=0&format=text")
            assert res.text == '{"a":1}'
    run(go())


def test_held_request_answered_by_publish():
    async def go():
        async with make(poll_timeout=5) as client:
            hub = client.hub
            loop = asyncio.get_running_loop()
            loop.call_later(0.05, hub.publish, "k", 3, b'["k", 3]')
            res = await client.get("/artcasts/k")
            assert res.status_code == 200 and res.json == 3
            assert hub.waiting == 0 and hub.waiters == {}
    run(go())


def test_timeout_leaves_no_waiter_behind():
    async def go():
        async with make(poll_timeout=0.05) as client:
            hub = client.hub
            res = await client.get("/artcasts/k")
            assert res.status_code == 204
            assert hub.waiting == 0 and hub.waiters == {}
    run(go())


async def until(condition, timeout=5.0):
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met within %.0f s" % timeout)


def test_overload_is_503():
    async def go():
        async with make(poll_timeout=1, max_clients=1) as client:
            hub = client.hub
            first = asyncio.ensure_future(client.get("/artcasts/k"))
            await until(lambda: hub.waiting == 1)
            res = await client.get("/artcasts/k")
            assert res.status_code == 503 and res.headers["Retry-After"] == "5"
            hub.publish("k", 1, b'["k", 1]')
            assert (await first).status_code == 200
    run(go())


def test_close_answers_everyone_with_204():
    async def go():
        async with make(poll_timeout=10) as client:
            hub = client.hub
            held = [asyncio.ensure_future(client.get("/artcasts/k")) for _ in range(3)]
            await until(lambda: hub.waiting == 3)
            hub.close()
            assert [(await h).status_code for h in held] == [204, 204, 204]
            assert (await client.get("/artcasts/k")).status_code == 204
    run(go())
