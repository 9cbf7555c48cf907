"""GET /artcasts: bounded pages (issue 9.7), the same JSON as before for a
normal server, Link rel="next" to the rest; clients follow the pages."""

import asyncio
import json

from microdot.test_client import TestClient

from artcast_client.watch import fetch_listing
from artcast_server.app import Settings, create_app
from artcast_server.hub import Hub
from artcast_server.listing import PAGE_BYTES, PAGE_ENTRIES, close_keys


def client_for(hub):
    return TestClient(create_app(hub, Settings()))


def get(client, path, accept="application/json"):
    async def go():
        return await client.get(path, headers={"Accept": accept})
    return asyncio.run(go())


def test_small_listing_is_the_plain_sorted_array_as_before():
    hub = Hub()
    hub.register("b/k", {"description": "B", "provenance": None, "license": None})
    hub.publish("a/k", 1, b'["a/k", 1]')
    res = get(client_for(hub), "/artcasts")
    assert res.status_code == 200 and "Link" not in res.headers
    expected = [{"key": "a/k"}, {"description": "B", "provenance": None, "license": None, "key": "b/k"}]
    assert res.body == json.dumps(expected).encode()      # byte for byte what microdot sent before
    assert res.headers["Content-Type"].startswith("application/json")


def test_many_keys_come_in_pages_with_a_next_link():
    hub = Hub(max_keys=5000)
    keys = ["k/%05d" % i for i in range(2 * PAGE_ENTRIES + 10)]
    for key in keys:
        hub.publish(key, 0, b"x")
    client = client_for(hub)
    seen, path, pages = [], "/artcasts", 0
    while path:
        res = get(client, path)
        assert res.status_code == 200
        page = json.loads(res.body)
        assert len(page) <= PAGE_ENTRIES
        seen.extend(entry["key"] for entry in page)
        link = res.headers.get("Link")
        path = link[1:link.index(">")] if link else None
        pages += 1
    assert seen == keys and pages == 3
    assert [e["key"] for e in json.loads(get(client, "/artcasts?limit=2&after=k/00004").body)] == \
        ["k/00005", "k/00006"]


def test_big_registrations_are_capped_in_bytes():
    hub = Hub()
    for i in range(200):
        hub.register("big/%03d" % i, {"description": "d" * 7900, "provenance": None, "license": None})
    res = get(client_for(hub), "/artcasts")
    assert len(res.body) <= PAGE_BYTES + 8200
    assert 'rel="next"' in res.headers["Link"]
    html = get(client_for(hub), "/artcasts", "text/html")
    assert b'id="next" href="/artcasts?after=big/' in html.body and len(html.body) < 2 * PAGE_BYTES


def test_bad_limit_is_400():
    client = client_for(Hub())
    for path in ("/artcasts?limit=x", "/artcasts?limit=0", "/artcasts?limit=-3"):
        assert get(client, path).status_code == 400


def test_close_keys_stays_bounded_on_a_big_server():
    hub = Hub(max_keys=20000)
    for i in range(10000):
        hub.publish("room-%d/sensor/temp" % i, 0, b"x")
    hub.publish("test/tick", 0, b"x")
    assert close_keys(hub, "test/tik") == ["test/tick"]


def test_clients_follow_pages_on_a_real_server(server_factory):
    server = server_factory()
    count = PAGE_ENTRIES + 5
    for start in range(0, count, 100):          # batches: no kernel drops on a busy machine
        for i in range(start, min(count, start + 100)):
            server.send("p/%04d" % i, i)
        server.wait_for_datums(min(count, start + 100), timeout=20)
    assert [e["key"] for e in fetch_listing(server.url)] == ["p/%04d" % i for i in range(count)]
    status, headers, body = server.get("/artcasts?limit=7")
    assert status == 200 and len(json.loads(body)) == 7
    assert headers["link"] == '</artcasts?after=p/0006&limit=7>; rel="next"'
