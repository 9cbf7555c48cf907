"""Write an Artcast source in a few lines.

    from artcast_source import Source

    source = Source.from_command_line()          # --group, --ttl, --verbose, ...
    temp = source.artcast("studio/temp", description="Studio temperature, °C",
                          provenance="DS18B20 by the window")
    while True:
        temp.send(read_sensor())
        source.sleep(60)

Each artcast's registration is multicast at once and then every 30 seconds
(in a background thread), so servers that start later learn the
description too. With `secret_file` every datagram is signed (PROTOCOL.md,
"Signed datagrams"); with `server=` (and a token) values go over HTTP
publish instead of multicast, for networks that carry no multicast:

    source = Source(server="http://gallery.local:8888", token="s3cret-token") Values are checked here (key rules, JSON-serialisable,
size) so a mistake shows up in the source, not as a silent drop.
"""

import errno
import os
import signal
import sys
import threading
import time

from artcast_core.datagram import DATA_PORT, DEFAULT_GROUP, REGISTER_PORT, encode_datum, encode_registration
from artcast_source.multicast import open_sender

REGISTRATION_INTERVAL = 30.0


class Artcast:
    """One key of a source. Send values with `send(value)`."""

    def __init__(self, source, key, description=None, provenance=None, license=None, **hints):
        self.source = source
        self.key = key
        self.registration = encode_registration(key, description, provenance, license, **hints)
        encode_datum(key, None)   # checks the key now

    def send(self, value):
        """Send one datum; False when the network refused it (said once on
        stderr, not raised, so a source outlives a Wi-Fi drop). Raises
        ValueError for a value JSON cannot hold (and PublishError when the
        source publishes over HTTP and the server refuses)."""
        sent = self.source.send(self.key, value)
        if sent:
            self.source.log("sent %s = %r" % (self.key, value))
        return sent

    def register(self):
        self.source.send_datagram(self.registration, self.source.register_port)


def _hint(exc):
    if exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return " (no route: pass --multicast-interface with this machine's address on the network " \
               "the server is on, or 127.0.0.1 --ttl 0 for this machine only)"
    return ""


class Source:
    """A multicast sender plus its artcasts and their registrations."""

    def __init__(self, group=DEFAULT_GROUP, data_port=DATA_PORT, register_port=REGISTER_PORT,
                 ttl=None, interface=None, verbose=False, register_every=REGISTRATION_INTERVAL,
                 secret_file=None, server=None, token=None):
        self.group = group
        self.data_port = data_port
        self.register_port = register_port
        self.verbose = verbose
        self._last_error = None
        self.secret = None
        if secret_file:
            from artcast_core.signing import load_keys
            secrets, _ = load_keys(secret_file, need_secret=True)
            self.secret = next(iter(secrets.items()))       # (key id, secret): the file's first
        self.http = None
        if server:
            from artcast_source.http_publish import HTTPPublisher
            self.http = HTTPPublisher(server, token)
            register_every = 0                           # registrations travel by multicast only
        self.sock = None if server else open_sender(interface, ttl, group,
                                                     lambda text: self.log(text, problem=True))
        self.artcasts = []
        self.register_every = register_every
        self._stop = threading.Event()
        self._thread = None

    @classmethod
    def from_command_line(cls, argv=None, description=None):
        """Build a Source from the standard source options (see options.py)."""
        from artcast_source.options import parse_source_args, apply_process_options
        args = parse_source_args(argv, description)
        apply_process_options(args)
        try:
            source = cls(group=args.group, data_port=args.data_port, register_port=args.registration_port,
                         ttl=args.ttl, interface=args.multicast_interface, verbose=args.verbose,
                         secret_file=getattr(args, "secret_file", None))
            source._quiet_sigterm_on_close = True
            return source
        except (OSError, ValueError) as exc:
            # a network problem or a bad secret file is a message, not a traceback
            sys.exit("%s: %s" % (os.path.basename(sys.argv[0] or "source"), exc))

    def artcast(self, key, description=None, provenance=None, license=None, **hints):
        """Declare a key; its registration is sent now and every 30 s.

        `hints` are optional: unit="°C", min=0, max=100, choices=["on", "off"]
        shape the control page (/artcasts/<key>/control) and the editor."""
        artcast = Artcast(self, key, description, provenance, license, **hints)
        self.artcasts.append(artcast)
        if self.sock is not None:
            artcast.register()
        if self._thread is None and self.register_every:
            self._thread = threading.Thread(target=self._register_loop, name="artcast-registration", daemon=True)
            self._thread.start()
        return artcast

    def send(self, key, value):
        """Send one datum for any key (no registration): multicast (False if
        not sent), or HTTP publish when the source was given a server (the
        datum's ETag)."""
        if self.http is not None:
            return self.http.publish(key, value)
        return self.send_datagram(encode_datum(key, value), self.data_port)

    def send_datagram(self, payload, port):
        """True when sent. A network error is logged once (and its end when
        sending works again) instead of raised."""
        if self.secret is not None:
            from artcast_core.signing import sign
            payload = sign(payload, self.secret[0], self.secret[1])
        try:
            self.sock.sendto(payload, (self.group, port))
        except OSError as exc:
            problem = "not sent to %s:%d: %s" % (self.group, port, exc.strerror or exc)
            if problem != self._last_error:
                self.log(problem + _hint(exc), problem=True)
            self._last_error = problem
            self.error = problem
            return False
        if self._last_error is not None:
            self.log("sending again", problem=True)
            self._last_error = None
        return True

    def _register_loop(self):
        while not self._stop.wait(self.register_every):
            for artcast in list(self.artcasts):
                artcast.register()

    def sleep(self, seconds):
        """Sleep, waking early when the source is closed (SIGTERM)."""
        self._stop.wait(seconds)
        return not self._stop.is_set()

    @property
    def running(self):
        return not self._stop.is_set()

    error = None   # the last network error, for callers that report it

    def log(self, message, always=False, problem=False):
        if self.verbose or always or problem:
            print("%s %s" % (time.strftime("%H:%M:%S"), message), flush=True,
                  file=sys.stderr if problem else sys.stdout)

    _quiet_sigterm_on_close = False

    def close(self):
        self._stop.set()
        if self.sock is not None:
            self.sock.close()
        if self._quiet_sigterm_on_close:
            # already stopping (Ctrl-C): a SIGTERM now (run.py demo sends one
            # after the SIGINT) must not raise again during interpreter exit
            try:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
            except ValueError:      # not the main thread
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
