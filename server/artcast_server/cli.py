"""artcast-server: the command line, start-up and shutdown.

Start-up order matters on a Pi serving port 80 as a service:
bind every socket (needs root for ports < 1024) -> daemonize (keeping those
sockets) -> open logs, write the pidfile -> drop to --uid/--gid -> serve.
SIGTERM/SIGINT stop accepting, answer every held request, remove the
pidfile and exit 0 within two seconds.
"""

import argparse
import asyncio
import errno
import ipaddress
import os
import signal
import sys

from artcast_core.datagram import DATA_PORT, DEFAULT_GROUP, REGISTER_PORT
from artcast_server import VERSION
from artcast_server.app import Settings, create_app
from artcast_server.devices import read_expected
from artcast_server.firmware import Firmware
from artcast_server.hub import HISTORY, HISTORY_BYTES, Hub
from artcast_server.listen import HTTPServer, open_listen_socket
from artcast_server.logs import AccessLog, ErrorLog
from artcast_server.multicast import Receiver, data_handler, kernel_drops, open_multicast_socket, registration_handler
from artcast_server.nats_feed import NatsFeed, check_prefix, import_nats
from artcast_server.privileges import drop_privileges, remove_pidfile, write_pidfile
from artcast_server.proxies import parse_trusted
from artcast_server.state import INTERVAL, StateFile
from artcast_server.tokens import DEFAULT_RATE, RateLimit, Tokens

MB = 1024 * 1024
ACCESS_LOG_OFF = "off"          # --access-log off: no access log (nginx's access_log off)


def _number(convert, text, what):
    """argparse would say "invalid _port value"; say what was expected."""
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not %s" % (text, what))


def _port(text):
    port = _number(int, text, "a port number (0-65535)")
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("%s is not a port number (0-65535)" % text)
    return port


def _positive_int(text):
    value = _number(int, text, "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more, got %s" % text)
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be more than 0, got %s" % text)
    return value


def _seconds(text):
    value = _number(float, text, "a number of seconds")
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be 0 or more seconds, got %s" % text)
    return value


def _group(text):
    try:
        address = ipaddress.IPv4Address(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not an IPv4 address" % text)
    if not address.is_multicast:
        raise argparse.ArgumentTypeError("%s is not a multicast group (224.0.0.0-239.255.255.255)" % text)
    return text


def _ipv4(text):
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not an IPv4 interface address (e.g. 127.0.0.1)" % text)
    return text


def _proxy(text):
    try:
        return parse_trusted([text])[0]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc))


def _nats_prefix(text):
    try:
        return check_prefix(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc))


def build_parser():
    p = argparse.ArgumentParser(
        prog="artcast-server",
        description="Serve artcasts: hold each GET /artcasts/<key> open until the next datum "
                    "for that key arrives by UDP multicast.")
    p.add_argument("--version", action="version", version="artcast-server " + VERSION)
    web = p.add_argument_group("HTTP")
    web.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)")
    web.add_argument("--client-port", type=_port, default=8888, help="HTTP port (default 8888)")
    web.add_argument("--poll-timeout", type=_seconds, default=25.0,
                     help="seconds a request is held before 204 No Content (default 25; 0 = never)")
    web.add_argument("--max-clients", type=_positive_int, default=5000,
                     help="waiting requests at most; more get 503 (default 5000)")
    web.add_argument("--trust-proxy", nargs="+", type=_proxy, default=[], metavar="ADDRESS",
                     help="load balancers (addresses or networks) whose X-Forwarded-For names the "
                          "client in the access log (deploy/README.md)")
    web.add_argument("--max-connections", type=_positive_int, default=None,
                     help="open client connections at most, waiting or idle between requests; "
                          "more get 503 and answers stop keeping connections open near it "
                          "(default --max-clients + 1024)")
    web.add_argument("--access-control-allow-origin", default="*", metavar="ORIGIN",
                     help="Access-Control-Allow-Origin on every response (default *)")
    web.add_argument("--max-devices", type=_positive_int, default=1000,
                     help="named devices remembered for GET /devices (default 1000)")
    web.add_argument("--expected-devices", metavar="FILE",
                     help="device names a class or gallery expects, one a line (GET /devices counts them)")
    udp = p.add_argument_group("multicast")
    udp.add_argument("--data-group", type=_group, default=DEFAULT_GROUP, help="default " + DEFAULT_GROUP)
    udp.add_argument("--data-port", type=_port, default=DATA_PORT, help="default %d" % DATA_PORT)
    udp.add_argument("--register-group", type=_group, default=DEFAULT_GROUP, help="default " + DEFAULT_GROUP)
    udp.add_argument("--register-port", type=_port, default=REGISTER_PORT, help="default %d" % REGISTER_PORT)
    udp.add_argument("--multicast-interface", type=_ipv4, default=None, metavar="ADDRESS",
                     help="address of the interface to join the groups on (default: the kernel "
                          "chooses; e.g. the wlan0 address on a Pi with two networks; 127.0.0.1 "
                          "for loopback only)")
    udp.add_argument("--max-keys", type=_positive_int, default=10000,
                     help="artcasts remembered at most; datums for more are dropped (default 10000)")
    memory = p.add_argument_group("memory")
    memory.add_argument("--history", type=_positive_int, default=HISTORY, metavar="N",
                        help="recent datums kept per key, for GET /artcasts/<key>/history and the "
                             "ordering of ETags (default %d)" % HISTORY)
    memory.add_argument("--history-bytes", type=_positive_int, default=HISTORY_BYTES, metavar="BYTES",
                        help="all keys' history together at most; the oldest datums go first "
                             "(default %d)" % HISTORY_BYTES)
    memory.add_argument("--state-file", metavar="FILE",
                        help="remember every key's registration, latest datum and history here "
                             "across restarts (saved atomically after changes and at shutdown)")
    memory.add_argument("--state-interval", type=_seconds, default=INTERVAL, metavar="SECONDS",
                        help="save the state file at most this often (default %g)" % INTERVAL)
    udp.add_argument("--no-multicast", action="store_true",
                     help="join no multicast group (with --nats: NATS is the only feed)")
    broker = p.add_argument_group("NATS (deploy/README.md)")
    broker.add_argument("--nats", action="append", metavar="URL",
                        help="also take datums and registrations from this NATS server, e.g. "
                             "nats://127.0.0.1:4222 (repeat for a cluster); needs nats-py")
    broker.add_argument("--nats-prefix", type=_nats_prefix, default="artcast", metavar="PREFIX",
                        help="subjects PREFIX.data.<key> and PREFIX.register.<key> (default artcast)")
    pub = p.add_argument_group("publishing and signatures (SECURITY.md)")
    pub.add_argument("--publish-token", metavar="TOKEN",
                     help="allow HTTP publish (POST /artcasts/<key>) with this bearer token, for every key")
    pub.add_argument("--publish-tokens", metavar="FILE",
                     help="allow HTTP publish with the tokens in FILE, one '<token> <key pattern>' a line "
                          "(re-read on SIGHUP)")
    pub.add_argument("--publish-rate", type=_positive_float, default=DEFAULT_RATE, metavar="PER_SECOND",
                     help="values a second per key and token over HTTP (default %g; more get 429)" % DEFAULT_RATE)
    pub.add_argument("--datagram-keys", metavar="FILE",
                     help="shared secrets ('<key-id>: <secret>') and key bindings ('<key pattern> <key-id>') "
                          "for signed datagrams (re-read on SIGHUP)")
    pub.add_argument("--require-signed", action="store_true",
                     help="drop unsigned datagrams (needs --datagram-keys)")
    pub.add_argument("--signed-window", type=_positive_float, default=30.0, metavar="SECONDS",
                     help="a signed datagram's time may differ this much from this server's clock (default 30)")
    web.add_argument("--mdns", choices=("auto", "on", "off"), default="auto",
                     help="advertise this server as _artcast._tcp over mDNS so clients find it "
                          "(auto, the default: only when --host is not a loopback address)")
    web.add_argument("--mdns-name", metavar="NAME", help="the advertised name (default: artcast on <host name>)")
    kits = p.add_argument_group("ESP32 kits (firmware/README.md)")
    kits.add_argument("--firmware", metavar="DIR",
                      help="offer the firmware bundle that `deploy.py build --out DIR` wrote to the "
                           "kits (over-the-air updates; DIR/targets.json limits who installs it)")
    kits.add_argument("--pieces", metavar="DIR",
                      help="serve DIR/<device>.json (else DIR/_classes.json's choice, else DIR/_default.json) "
                           "as the artcast _piece/<device>, and the piece editor at /pieces/ (saving needs a "
                           "publish token for _piece/<name> when tokens are on, else this machine only)")
    logs = p.add_argument_group("logging")
    logs.add_argument("--access-log", metavar="FILE",
                      help="access log file (default stderr; 'off': no access log, e.g. to spare a Pi's SD card)")
    logs.add_argument("--access-log-size", type=_positive_int, default=10 * MB, metavar="BYTES")
    logs.add_argument("--access-log-count", type=_positive_int, default=100, metavar="COUNT")
    logs.add_argument("--error-log", metavar="FILE", help="error log file (default stderr)")
    logs.add_argument("--error-log-size", type=_positive_int, default=10 * MB, metavar="BYTES")
    logs.add_argument("--error-log-count", type=_positive_int, default=100, metavar="COUNT")
    logs.add_argument("--verbose", action="store_true", help="log more")
    proc = p.add_argument_group("process")
    proc.add_argument("--workers", type=_positive_int, default=1, metavar="N",
                      help="N server processes on the one port (SO_REUSEPORT), one per core; each joins "
                           "the multicast groups and holds every key; /status is per worker (default 1)")
    proc.add_argument("--daemonize", action="store_true", help="run in the background (python-daemon)")
    proc.add_argument("--pidfile", metavar="FILE", help="write the process id here; removed on clean exit")
    proc.add_argument("--uid", help="user (name or id) to run as after binding the sockets")
    proc.add_argument("--gid", help="group (name or id) to run as after binding the sockets")
    return p


class SocketError(Exception):
    """A socket could not be opened; the message names it and the option."""


def _socket_problem(exc, what, address, option):
    if exc.errno == errno.EADDRINUSE:
        return ("%s %s is already in use (another artcast-server, or another program such as "
                "Jupyter?): stop it, or choose another port with %s" % (what, address, option))
    if exc.errno == errno.ENODEV and option != "--client-port":
        # joining with "any interface" needs a default route (none on a Pi that is its own hotspot)
        return ("cannot join multicast group %s: no default route to pick an interface by; pass "
                "--multicast-interface with this machine's address on the sources' network "
                "(e.g. 10.42.0.1 on the Pi's own hotspot, 127.0.0.1 for this machine only)" % address)
    return "cannot open %s %s: %s" % (what, address, exc.strerror or exc)


def open_sockets(args, reuse_port=False):
    try:
        tcp = open_listen_socket(args.host, args.client_port, reuse_port=reuse_port)
    except OSError as exc:
        raise SocketError(_socket_problem(exc, "HTTP port", "%s:%d" % (args.host, args.client_port),
                                          "--client-port"))
    udp = []
    if args.no_multicast:
        return tcp, udp
    try:
        for group, port, option in ((args.data_group, args.data_port, "--data-port"),
                                    (args.register_group, args.register_port, "--register-port")):
            try:
                udp.append(open_multicast_socket(group, port, args.multicast_interface))
            except OSError as exc:
                raise SocketError(_socket_problem(exc, "multicast port", "%s:%d" % (group, port), option))
    except SocketError:
        tcp.close()
        for sock in udp:
            sock.close()
        raise
    return tcp, udp


def daemonize(keep):
    import daemon  # python-daemon; imported only when asked for
    context = daemon.DaemonContext(files_preserve=keep, working_directory="/", umask=0o022,
                                   detach_process=True)
    context.open()


def load_security(args):
    """(Tokens or None, Verifier or None, Publisher or None) from the options;
    ValueError/OSError say which file or option is wrong."""
    from artcast_core.signing import Verifier, load_keys
    from artcast_server.publish import Publisher
    if args.require_signed and not args.datagram_keys:
        raise ValueError("--require-signed needs --datagram-keys FILE (the secrets to check signatures with)")
    secrets, bindings = load_keys(args.datagram_keys) if args.datagram_keys else ({}, [])
    verifier = None
    if args.datagram_keys:
        verifier = Verifier(secrets, bindings, window=args.signed_window, require=args.require_signed)
    tokens = None
    if args.publish_token or args.publish_tokens:
        tokens = Tokens(args.publish_token, args.publish_tokens)
    publisher = None
    if tokens is not None:
        publisher = Publisher(args.data_group, args.data_port, args.multicast_interface, secrets, bindings,
                              multicast=not args.no_multicast)
    return tokens, verifier, publisher


def reload_security(args, tokens, verifier, publisher, errors):
    """SIGHUP: re-read the tokens file and the datagram keys; keep the old ones on a mistake."""
    from artcast_core.signing import load_keys
    try:
        if tokens is not None:
            errors.info("SIGHUP: %d publish tokens loaded" % tokens.reload())
        if verifier is not None:
            secrets, bindings = load_keys(args.datagram_keys)
            verifier.secrets, verifier.bindings = secrets, bindings
            if publisher is not None:
                publisher.secrets, publisher.bindings = secrets, bindings
            errors.info("SIGHUP: %d datagram keys, %d bindings loaded" % (len(secrets), len(bindings)))
    except (OSError, ValueError) as exc:
        errors.error("SIGHUP: kept the previous keys and tokens: %s" % exc)


def on_sighup(args, tokens, verifier, publisher, errors, pieces):
    reload_security(args, tokens, verifier, publisher, errors)
    if pieces is not None:
        pieces.scan()               # --pieces: re-read changed piece files now


async def serve(args, tcp, udp, errors, access, security=(None, None, None), worker=None):
    """Serve until SIGTERM/SIGINT. `worker`: this process's index under
    --workers (None: the only process); every worker loads the state file,
    only the first saves it and advertises over mDNS (they hold the same
    state, and one name on the network is enough)."""
    lead = not worker
    loop = asyncio.get_running_loop()
    errors.install(loop)        # every asyncio error path into the rate-limited error log
    hub = Hub(max_keys=args.max_keys, max_clients=args.max_clients, history=args.history,
              history_bytes=args.history_bytes)
    hub.report = errors.report
    hub.extras["datagrams_dropped_by_kernel"] = lambda: kernel_drops(udp)
    state = None
    if args.state_file:
        state = StateFile(args.state_file, hub, errors, args.state_interval)
        state.load()
        if lead:
            hub.on_change = state.changed
        else:
            state = None
    tokens, verifier, publisher = security
    settings = Settings(poll_timeout=args.poll_timeout, cors_origin=args.access_control_allow_origin,
                        trusted_proxies=tuple(args.trust_proxy), tokens=tokens,
                        rate=RateLimit(args.publish_rate), publisher=publisher,
                        max_devices=args.max_devices, expected_devices=args.expected)
    app = create_app(hub, settings)
    firmware = Firmware(args.firmware, hub, errors).attach(app) if args.firmware else None
    pieces = start_pieces(args, hub, app, settings, errors) if args.pieces else None
    http = HTTPServer(app, hub, settings, access, max_connections=args.max_connections)
    await http.start(tcp)
    advertiser = await advertise(args, tcp, errors) if lead else None
    on_data = data_handler(hub, errors.report, verifier)
    on_register = registration_handler(hub, errors.report, verifier)
    receivers = [Receiver(loop, sock, handle) for sock, handle in zip(udp, (on_data, on_register))]
    feed = NatsFeed(args.nats, args.nats_prefix, on_data, on_register, errors).start() if args.nats else None
    if publisher is not None:
        publisher.nats = feed
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    loop.add_signal_handler(signal.SIGHUP, on_sighup, args, tokens, verifier, publisher, errors, settings.pieces)
    host, port = tcp.getsockname()[:2]
    errors.info("artcast-server %s listening on http://%s:%d/ ; %s%s"
                % (VERSION, host, port, "no multicast" if args.no_multicast else
                   "data %s:%d, registrations %s:%d, interface %s"
                   % (args.data_group, args.data_port, args.register_group, args.register_port,
                      args.multicast_interface or "chosen by the kernel"),
                   "; NATS %s, subjects %s.*" % (", ".join(args.nats), args.nats_prefix) if args.nats else ""))
    await stop.wait()
    errors.info("stopping: answering %d waiting requests" % hub.waiting)
    await http.shutdown()
    for receiver in receivers:
        receiver.close()
    if feed is not None:
        await feed.close()
    if state is not None:
        await state.close()
    if firmware is not None:
        firmware.close()
    if advertiser is not None:
        await advertiser.close()
    if pieces is not None:
        pieces.cancel()


async def advertise(args, tcp, errors):
    """Start the mDNS advertisement when --mdns asks for it (mdns.py)."""
    from artcast_server.mdns import Advertiser, MdnsUnavailable, wanted
    if not wanted(args.mdns, args.host):
        return None
    host, port = tcp.getsockname()[:2]
    try:
        advertiser = await Advertiser(host, port, args.mdns_name).start()
    except (MdnsUnavailable, OSError) as exc:
        if args.mdns == "on":
            raise SystemExit("artcast-server: --mdns on: %s" % exc)
        errors.error("not advertised over mDNS: %s" % exc)
        return None
    errors.info(advertiser.describe())
    return advertiser


def start_pieces(args, hub, app, settings, errors):
    """--pieces DIR: publish the pieces, watch DIR (mtime every POLL_SECONDS, and
    SIGHUP), serve the editor at /pieces/. -> the watching task."""
    from artcast_server.piece_routes import add_piece_routes
    from artcast_server.pieces import PREFIX, PieceStore
    store = PieceStore(args.pieces, hub, errors.report)
    hub.reserved = PREFIX            # datagrams may not overwrite a piece
    settings.pieces = store
    add_piece_routes(app, store, hub, settings)
    store.scan()
    errors.info("pieces from %s: %d files, editor at /pieces/ (saving %s)" % (
        args.pieces, len(store.pieces), "needs a publish token" if settings.tokens is not None and settings.tokens.enabled
        else "from this machine only"))
    return asyncio.ensure_future(store.watch())


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.expected = read_expected(args.expected_devices) if args.expected_devices else ()
    except (OSError, ValueError, UnicodeError) as exc:
        parser.error("--expected-devices: %s" % exc)
    if args.no_multicast and not args.nats:
        parser.error("--no-multicast leaves no feed: add --nats URL")
    if args.pieces and not os.path.isdir(args.pieces):
        parser.error("--pieces %s: not a folder" % args.pieces)
    if args.nats:
        try:
            import_nats()
        except RuntimeError as exc:
            print("artcast-server: %s" % exc, file=sys.stderr)
            return 1
    try:
        security = load_security(args)
    except (OSError, ValueError) as exc:
        print("artcast-server: %s" % exc, file=sys.stderr)
        return 2
    sockets = []        # (listen socket, multicast sockets) per worker
    try:
        sockets.append(open_sockets(args, reuse_port=args.workers > 1))
        if args.workers > 1:
            args.client_port = sockets[0][0].getsockname()[1]       # port 0: the one the kernel chose
            for _ in range(args.workers - 1):
                sockets.append(open_sockets(args, reuse_port=True))
    except SocketError as exc:
        for tcp, udp in sockets:
            for sock in [tcp] + udp:
                sock.close()
        print("artcast-server: %s" % exc, file=sys.stderr)
        return 1
    if args.daemonize:
        daemonize([s.fileno() for tcp, udp in sockets for s in [tcp] + udp])
    if args.workers > 1:
        return run_workers(args, sockets, security)
    tcp, udp = sockets[0]
    errors = ErrorLog(args.error_log, args.error_log_size, args.error_log_count, verbose=args.verbose)
    access = access_log(args, args.access_log)
    try:
        if args.pidfile:
            write_pidfile(args.pidfile)
        if args.uid or args.gid:
            drop_privileges(args.uid, args.gid, chown=[args.pidfile, log_file(args.access_log), args.error_log])
    except (OSError, ValueError) as exc:
        print("artcast-server: %s" % exc, file=sys.stderr)
        errors.error(str(exc))
        return 1
    try:
        run_server(args, tcp, udp, errors, access, security)
    finally:
        if args.pidfile:
            remove_pidfile(args.pidfile, errors)
    errors.info("stopped")
    return 0


def run_server(args, tcp, udp, errors, access, security, worker=None):
    try:
        import uvloop  # optional: faster where installed
        uvloop.install()
    except ImportError:
        pass
    asyncio.run(serve(args, tcp, udp, errors, access, security, worker))


def log_file(path):
    """The file a log option names: None for stderr and for --access-log off."""
    return None if path == ACCESS_LOG_OFF else path


def access_log(args, path):
    """The access log --access-log asks for, or None (off)."""
    if path == ACCESS_LOG_OFF:
        return None
    return AccessLog(path, args.access_log_size, args.access_log_count)


def worker_log(path, index):
    """Worker i's log file: FILE.<i> (size rotation is per process), stderr stays stderr, off stays off."""
    return "%s.%d" % (path, index + 1) if log_file(path) else path


def run_workers(args, sockets, security):
    """--workers N: the parent writes the pidfile, drops privileges, forks
    the workers (workers.py) and waits for them."""
    from artcast_server.workers import supervise
    errors = ErrorLog(args.error_log, args.error_log_size, args.error_log_count, verbose=args.verbose)
    logs = [args.pidfile] + [log_file(worker_log(path, i)) for i in range(args.workers)
                             for path in (args.access_log, args.error_log)]
    try:
        if args.pidfile:
            write_pidfile(args.pidfile)
        if args.uid or args.gid:
            drop_privileges(args.uid, args.gid, chown=[path for path in logs if path])
    except (OSError, ValueError) as exc:
        print("artcast-server: %s" % exc, file=sys.stderr)
        errors.error(str(exc))
        return 1

    def run_worker(index):
        for i, (tcp, udp) in enumerate(sockets):     # only its own sockets stay open
            if i != index:
                for sock in [tcp] + udp:
                    sock.close()
        tcp, udp = sockets[index]
        worker_errors = ErrorLog(worker_log(args.error_log, index), args.error_log_size, args.error_log_count,
                                 verbose=args.verbose)
        access = access_log(args, worker_log(args.access_log, index))
        run_server(args, tcp, udp, worker_errors, access, security, index)
        worker_errors.info("worker %d stopped" % (index + 1))
        return 0

    errors.info("artcast-server: %d workers on port %d" % (args.workers, args.client_port))
    try:
        status = supervise(args.workers, run_worker, errors.info)
    finally:
        if args.pidfile:
            remove_pidfile(args.pidfile, errors)
    errors.info("stopped")
    return status


if __name__ == "__main__":
    sys.exit(main())
