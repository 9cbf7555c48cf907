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
            # each path routed once by the server (server.routes remembers it); other routes
            # once more inside microdot's dispatch_request
            assert routed == ["/artcasts/t/k", "/status", "/status", "/nothing-here", "/nothing-here"]
            assert dispatched == ["/status", "/nothing-here"]
    asyncio.run(go())


def test_header_fields_are_stored_lower_case_and_found_in_any_case():
    from artcast_server.connection import parse_head
    method, url, version, fields = parse_head(b"GET /a HTTP/1.1\r\nIf-None-Match: \"e\"\r\nACCEPT:  text/plain ")
    assert (method, url, version) == ("GET", "/a", "1.1")
    assert dict(fields) == {"if-none-match": '"e"', "accept": "text/plain"}
    assert fields.get("If-None-Match") == '"e"' and fields["Accept"] == "text/plain" and "accept" in fields
    assert fields.get("Referer", "-") == "-" and "Cookie" not in fields


def test_recent_heads_are_parsed_once_and_the_memory_stays_bounded():
    """A fleet sends the same head after every datum: parsed once, then found.
    Distinct heads past Heads.SIZE empty it; a long head is never kept; a bad
    head is refused every time and kept never."""
    from artcast_server.connection import BadHead, Heads, parse_head
    heads = Heads()
    head = b"GET /artcasts/t/k HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"e1\"\r\nConnection: close"
    first = heads.parse(head)
    assert first[:3] == ("GET", "/artcasts/t/k", "1.1") and first[3].get("if-none-match") == '"e1"'
    assert first[4:] == (0, "close")                    # body length, connection mode
    assert heads.parse(bytes(head)) is first            # the same bytes: no second parse
    other = heads.parse(head.replace(b"e1", b"e2"))
    assert other[3]["If-None-Match"] == '"e2"' and first[3]["If-None-Match"] == '"e1"'
    for i in range(Heads.SIZE + 5):
        heads.parse(b"GET /a/%d HTTP/1.1" % i)
    assert len(heads.parsed) <= Heads.SIZE
    long_head = b"GET /a HTTP/1.1\r\nUser-Agent: " + b"x" * Heads.LONGEST
    assert heads.parse(long_head)[3]["user-agent"].startswith("xxx") and long_head not in heads.parsed
    for _ in range(2):
        try:
            heads.parse(b"NONSENSE")
            assert False, "a bad head was accepted"
        except BadHead as exc:
            assert exc.status == 400
    assert b"NONSENSE" not in heads.parsed
    assert heads.parse(b"GET /a HTTP/1.1\r\nContent-Length: x")[4] is None     # unreadable length: 400
    assert parse_head(head)[3] == first[3]


def test_routes_are_remembered_per_path_and_the_memory_stays_bounded():
    """microdot routes each path once; its answer (handler and URL arguments)
    is reused for the next request of that path, OPTIONS excepted."""
    from microdot import Request

    from artcast_server.listen import Routes
    hub = Hub()
    app = create_app(hub, Settings(poll_timeout=5))
    calls = []
    find_route = app.find_route
    app.find_route = lambda request: calls.append((request.method, request.path)) or find_route(request)
    routes = Routes(app)

    def find(method, url):
        request = Request(app, None, method, url, "1.1", {})
        return routes.find(request), getattr(request, "url_args", None)

    (handler, _, _), args = find("GET", "/artcasts/a/b?wait=1")
    assert handler is app.value_route and args == {"key": "a/b"}
    (again, _, _), args_again = find("GET", "/artcasts/a/b")
    assert again is handler and args_again == {"key": "a/b"}
    (other, _, _), other_args = find("GET", "/artcasts/c")
    assert other is handler and other_args == {"key": "c"}
    assert find("GET", "/nothing")[0][0] == 404 and find("GET", "/nothing")[0][0] == 404
    find("OPTIONS", "/artcasts/a/b")
    find("OPTIONS", "/artcasts/a/b")
    assert calls == [("GET", "/artcasts/a/b"), ("GET", "/artcasts/c"), ("GET", "/nothing"),
                     ("OPTIONS", "/artcasts/a/b"), ("OPTIONS", "/artcasts/a/b")]
    for i in range(Routes.SIZE + 5):
        find("GET", "/artcasts/k%d" % i)
    assert len(routes.found) <= Routes.SIZE


def test_the_hub_keeps_only_valid_keys():
    """The value route skips the key check for a key the hub holds, so the hub
    must never hold an invalid one, whoever feeds it (state file, NATS, ...)."""
    hub = Hub()
    assert hub.publish("a//b", 1, b'["a//b", 1]') is None
    hub.register("../x", {"description": "d"})
    hub.restore("a b", [(0, 1, b'["a b", 1]')])
    assert hub.artcasts == {} and hub.dropped["bad-key"] == 3
    assert hub.publish("a/b", 1, b'["a/b", 1]') is not None and list(hub.artcasts) == ["a/b"]


def test_connections_reading_into_the_shared_buffer_keep_their_own_bytes():
    """Every connection reads into the server's one read buffer and keeps a
    copy of what it read: two requests sent a few bytes at a time, turn about,
    each get their own answer."""
    async def go():
        hub = Hub()
        settings = Settings(poll_timeout=5)
        server = HTTPServer(create_app(hub, settings), hub, settings)
        sock = open_listen_socket("127.0.0.1", 0)
        await server.start(sock)
        hub.publish("one", 1, b'["one", 1]')
        hub.publish("two", 2, b'["two", 2]')
        loop = asyncio.get_running_loop()
        clients = [socket.create_connection(sock.getsockname()) for _ in range(2)]
        heads = [b"GET /artcasts/%s?wait=0 HTTP/1.1\r\nHost: x\r\n\r\n" % k for k in (b"one", b"two")]
        for start in range(0, max(len(h) for h in heads), 5):
            for c, head in zip(clients, heads):
                if head[start:start + 5]:
                    c.sendall(head[start:start + 5])
                    await asyncio.sleep(0.002)      # let the server read this piece on its own
        answers = []
        for c in clients:
            c.setblocking(False)
            data = b""
            while not data.endswith(b"\r\n\r\n1") and not data.endswith(b"\r\n\r\n2"):
                try:
                    data += await loop.sock_recv(c, 4096)
                except BlockingIOError:
                    await asyncio.sleep(0.01)
            answers.append(data)
            c.close()
        assert answers[0].startswith(b"HTTP/1.1 200") and answers[0].endswith(b"\r\n\r\n1")
        assert answers[1].startswith(b"HTTP/1.1 200") and answers[1].endswith(b"\r\n\r\n2")
        await server.shutdown(grace=0.5)
    asyncio.run(asyncio.wait_for(go(), 20))
