"""The hot path's structure, which the benchmark's figures rest on: a
datum's response is built once and the same bytes go to every waiter (the
hub's slots and deadlines: test_hub_deadlines.py)."""

import asyncio
import socket

from artcast_server.app import Settings, create_app
from artcast_server.hub import Hub
from artcast_server.listen import HTTPServer, open_listen_socket


def test_waiters_get_the_same_bytes_built_once():
    async def go():
        hub = Hub()
        settings = Settings(poll_timeout=5)
        server = HTTPServer(create_app(hub, settings), hub, settings)
        sock = open_listen_socket("127.0.0.1", 0)
        port = sock.getsockname()[1]
        await server.start(sock)
        clients = []
        for _ in range(5):
            c = socket.create_connection(("127.0.0.1", port))
            c.sendall(b"GET /artcasts/t/k HTTP/1.1\r\nHost: x\r\n\r\n")
            c.setblocking(False)
            clients.append(c)
        for _ in range(200):
            if hub.waiting == 5:
                break
            await asyncio.sleep(0.01)
        assert hub.waiting == 5
        datum = hub.publish("t/k", {"v": 1}, b'["t/k", {"v": 1}]')
        answers = []
        for c in clients:
            data = b""
            while not data.endswith(b"}"):
                try:
                    data += c.recv(4096)
                except BlockingIOError:
                    await asyncio.sleep(0.01)
            answers.append(data)
            c.close()
        assert len(set(answers)) == 1 and answers[0].startswith(b"HTTP/1.1 200")
        assert b"ETag: " + datum.etag.encode() in answers[0]
        assert b"Access-Control-Allow-Origin: *" in answers[0]
        built = [k for k in datum.rendered if isinstance(k, tuple)]
        assert built == [("application/json", False, "")]    # one response built for five (kept open)
        assert answers[0] == datum.rendered[built[0]]
        await server.shutdown(grace=0.5)
    asyncio.run(go())


def test_server_raises_its_open_file_limit_for_max_clients():
    """A service started with systemd's soft limit of 1024 files could not hold
    a thousand waiting devices; the server raises it towards the hard limit."""
    import resource
    import subprocess
    import sys
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 2000 if hard == resource.RLIM_INFINITY else min(2000, hard)

    def low():
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    code = ("import resource; from artcast_server.listen import raise_open_files; "
            "raise_open_files(%d); print(resource.getrlimit(resource.RLIMIT_NOFILE)[0])" % want)
    out = subprocess.run([sys.executable, "-c", code], preexec_fn=low, capture_output=True, text=True, timeout=30)
    assert int(out.stdout) == want, out.stderr


def test_value_route_is_routed_by_microdot_and_stepped_without_its_dispatch():
    """Long-polls (nearly every request) skip microdot's generic dispatch once
    its router has chosen the value route; every other route still takes
    dispatch_request. Both kinds carry the common (CORS) headers the server
    adds as it encodes, errors included."""
    from support.inprocess import InProcess

    async def go():
        async with InProcess(poll_timeout=0.2) as srv:
            app = srv.http.app
            routed, dispatched = [], []
            find_route, dispatch_request = app.find_route, app.dispatch_request
            app.find_route = lambda request: routed.append(request.path) or find_route(request)
            app.dispatch_request = lambda request: dispatched.append(request.path) or dispatch_request(request)
            srv.hub.publish("t/k", 5, b'["t/k", 5]')
            value = await srv.get("/artcasts/t/k?wait=0")
            page = await srv.get("/artcasts/t/k", {"Accept": "text/html"})
            status = await srv.get("/status")
            missing = await srv.get("/nothing-here")
            bad = await srv.get("/artcasts/t/k?wait=x")
            assert (value.status_code, value.json) == (200, 5)
            assert page.status_code == 200 and "t/k" in page.text
            assert (status.status_code, missing.status_code, bad.status_code) == (200, 404, 400)
            for res in (value, page, status, missing, bad):
                assert res.headers["Access-Control-Allow-Origin"] == "*", res.raw[:200]
            assert routed[:3] == ["/artcasts/t/k", "/artcasts/t/k", "/status"]
            assert dispatched == ["/status", "/nothing-here"]
    asyncio.run(go())


def test_header_fields_are_stored_lower_case_and_found_in_any_case():
    from artcast_server.connection import parse_head
    method, url, version, fields = parse_head(b"GET /a HTTP/1.1\r\nIf-None-Match: \"e\"\r\nACCEPT:  text/plain ")
    assert (method, url, version) == ("GET", "/a", "1.1")
    assert dict(fields) == {"if-none-match": '"e"', "accept": "text/plain"}
    assert fields.get("If-None-Match") == '"e"' and fields["Accept"] == "text/plain" and "accept" in fields
    assert fields.get("Referer", "-") == "-" and "Cookie" not in fields
