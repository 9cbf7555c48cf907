"""Who follows what: the devices table behind GET /devices (PROTOCOL.md, "Devices").

A client names itself with a header or, if it cannot set headers, a query
parameter:

    Artcast-Device: kit-07; fw=1.2.0; rssi=-61
    GET /artcasts/room/light?device=kit-07&fw=1.2.0&rssi=-61

The table is bounded (--max-devices): a new name beyond it replaces the
device offline longest, and is not recorded when none is offline. A device
is *waiting* while a request of its is held (or its event stream is open),
*online* until two poll timeouts pass without a request, then *offline*.
Everything here is what a client said about itself: pages show it as text.

    devices = Devices(max_devices=1000, poll_timeout=25, expected=["kit-01", "kit-02"])
    devices.seen(request, conn)      # listen.py, for every request
    devices.listing()                # the JSON of GET /devices
"""

import time
import unicodedata

from artcast_server.connection import PARKED, STREAMING
from artcast_server.proxies import client_address

MAX_NAME = 64           # characters of a device name
MAX_FW = 32             # characters of a firmware version
MAX_KEYS = 20           # keys or patterns remembered per device
WAITING, ONLINE, OFFLINE = "waiting", "online", "offline"


def _text(value, limit):
    """A client-given string, or None when empty, too long or holding control
    or format characters (C0/C1 controls, bidi overrides such as U+202E)."""
    if not value or len(value) > limit:
        return None
    for char in value:
        if ord(char) < 0x20 or (ord(char) >= 0x7f and unicodedata.category(char)[0] == "C"):
            return None
    return value


def parse_device(header):
    """'kit-07; fw=1.2.0; rssi=-61' -> ("kit-07", "1.2.0", -61); name None when unusable.

    >>> parse_device("kit-07; fw=1.2.0; rssi=-61")
    ('kit-07', '1.2.0', -61)
    """
    parts = header.split(";")
    params = {}
    for part in parts[1:]:
        name, _, value = part.strip().partition("=")
        params[name.strip().lower()] = value.strip().strip('"')
    return _text(parts[0].strip(), MAX_NAME), params.get("fw"), params.get("rssi")


def _rssi(text):
    try:
        value = int(text)
    except (TypeError, ValueError):
        return None
    return value if -200 <= value <= 0 else None


def read_expected(path):
    """--expected-devices FILE: one device name a line (blank lines and # comments skipped)."""
    names = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if _text(line, MAX_NAME) is None:
                raise ValueError("%s line %d: not a device name (1-%d printable characters)"
                                 % (path, number, MAX_NAME))
            if line not in names:
                names.append(line)
    return names


def _keys(path, args):
    if path.startswith("/artcasts/"):
        key = path[len("/artcasts/"):]
        return [key] if key and not key.endswith("/history") else []
    if path in ("/events", "/follow"):
        return (args.get("keys") or "").split(",")[:MAX_KEYS]
    return None


class Device:
    __slots__ = ("name", "address", "keys", "fw", "rssi", "last", "conn")

    def __init__(self, name):
        self.name = name
        self.address = self.fw = self.rssi = self.conn = None
        self.keys = []
        self.last = 0.0


class Devices:
    def __init__(self, max_devices=1000, poll_timeout=25.0, expected=(), clock=time.monotonic, wall=time.time,
                 trusted_proxies=()):
        self.max_devices = max_devices
        self.trusted_proxies = trusted_proxies      # --trust-proxy: the address behind a balancer
        self.poll_timeout = poll_timeout or 25.0    # 0 (hold forever) counts as the default here
        self.expected = list(expected)
        self.clock = clock
        self.wall = wall
        self.table = {}         # name -> Device
        self.refused = 0        # names not recorded (table full of devices online, or unusable)

    def seen(self, request, conn):
        """Record the device that sent `request`, if it named itself."""
        header = request.headers.get("Artcast-Device")
        if header is not None:
            name, fw, rssi = parse_device(header)
        elif "device" in request.args:
            args = request.args
            name, fw, rssi = _text(args.get("device"), MAX_NAME), args.get("fw"), args.get("rssi")
        else:
            return
        if name is None:
            self.refused += 1
            return
        device = self.table.get(name)
        if device is None:
            device = self._new(name)
            if device is None:
                self.refused += 1
                return
        peer = request.client_addr
        device.address = client_address(peer[0] if peer else None, request.headers.get("X-Forwarded-For"),
                                        self.trusted_proxies)
        device.fw = _text(fw, MAX_FW) or device.fw
        device.rssi = _rssi(rssi) if rssi is not None else device.rssi
        keys = _keys(request.path, request.args)
        if keys:
            device.keys = keys
        device.last = self.clock()
        device.conn = conn

    def _new(self, name):
        if len(self.table) >= self.max_devices:
            now = self.clock()
            offline = [d for d in self.table.values() if self.state(d, now) == OFFLINE]
            if not offline:
                return None
            del self.table[min(offline, key=lambda d: d.last).name]
        device = self.table[name] = Device(name)
        return device

    def state(self, device, now):
        conn = device.conn
        if conn is not None and conn.state in (PARKED, STREAMING) and not conn.transport.is_closing():
            return WAITING
        if now - device.last < 2 * self.poll_timeout:
            return ONLINE
        device.conn = None          # let a long-closed connection go
        return OFFLINE

    def listing(self):
        """GET /devices: offline first, then by name; expected devices never seen are offline."""
        now = self.clock()
        wall = self.wall()
        rows = []
        for device in self.table.values():
            rows.append({"name": device.name, "state": self.state(device, now), "address": device.address,
                         "keys": device.keys, "fw": device.fw, "rssi": device.rssi,
                         "last_seen": round(wall - (now - device.last), 3),
                         "ago": round(now - device.last, 1), "expected": device.name in self.expected})
        for name in self.expected:
            if name not in self.table:
                rows.append({"name": name, "state": OFFLINE, "address": None, "keys": [], "fw": None,
                             "rssi": None, "last_seen": None, "ago": None, "expected": True})
        rows.sort(key=lambda row: (row["state"] != OFFLINE, row["name"]))
        counts = self.counts(rows)
        counts["expected"] = len(self.expected) if self.expected else None
        counts["expected_online"] = sum(1 for row in rows if row["expected"] and row["state"] != OFFLINE)
        counts["devices"] = rows
        return counts

    def counts(self, rows=None):
        if rows is None:
            now = self.clock()
            rows = [{"state": self.state(device, now)} for device in self.table.values()]
        counts = {WAITING: 0, ONLINE: 0, OFFLINE: 0}
        for row in rows:
            counts[row["state"]] += 1
        return counts
