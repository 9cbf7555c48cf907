# Recording stand-in for MicroPython's `network` (tests only).
#
# The station "joins" when connect() is called, unless the file named by
# $STUB_WIFI_DOWN exists (a test creates it to drop Wi-Fi and deletes it to
# bring the network back). Records ["wifi_connect", ssid],
# ["wifi_disconnect"], ["hostname", name], ["ap", {config}], ["wifi_scan"],
# ["wifi_pm", mode] (station config(pm=...): WLAN.PM_NONE 0, PM_PERFORMANCE 1).
# scan() (station active only, as on the board) answers the networks in
# $STUB_WIFI_SCAN: a JSON list of [ssid, rssi, security], ssid as text or
# as a list of byte values (for names that are not UTF-8).

import json
import os

from _record import env_flag_file, record

STA_IF = 0
AP_IF = 1
AUTH_OPEN = 0
AUTH_WPA2_PSK = 3
STAT_IDLE = 1000
STAT_CONNECTING = 1001
STAT_GOT_IP = 1010

_hostname = "esp32"


def hostname(name=None):
    global _hostname
    if name is None:
        return _hostname
    _hostname = name
    record("hostname", name)


class WLAN:
    PM_NONE = 0
    PM_PERFORMANCE = 1
    PM_POWERSAVE = 2

    def __init__(self, iface=STA_IF):
        self.iface = iface
        self._active = False
        self._joined = False
        self._config = {}

    def active(self, on=None):
        if on is None:
            return self._active
        self._active = bool(on)
        record("wifi_active", self.iface, self._active)

    def connect(self, ssid=None, key=None):
        if self.iface != STA_IF:
            raise OSError("not a station")
        record("wifi_connect", ssid)
        self._joined = True

    def scan(self):
        if self.iface != STA_IF or not self._active:
            raise OSError("Wifi Not Started")
        record("wifi_scan")
        out = []
        for ssid, rssi, security in json.loads(os.getenv("STUB_WIFI_SCAN") or "[]"):
            raw = ssid.encode() if isinstance(ssid, str) else bytes(ssid)
            out.append((raw, b"\x24\x0a\xc4\x00\x00\x01", 6, rssi, security, False))
        return out

    def disconnect(self):
        record("wifi_disconnect")
        self._joined = False

    def isconnected(self):
        if self.iface == AP_IF:
            return self._active
        return self._active and self._joined and not env_flag_file("STUB_WIFI_DOWN")

    def status(self, param=None):
        return STAT_GOT_IP if self.isconnected() else STAT_IDLE

    def ifconfig(self, conf=None):
        if self.iface == AP_IF:
            return ("192.168.4.1", "255.255.255.0", "192.168.4.1", "0.0.0.0")
        return ("127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1")

    def config(self, *args, **kw):
        if args:
            if args[0] == "mac":
                return b"\x24\x0a\xc4\x12\xab\xcd"
            return self._config.get(args[0])
        self._config.update(kw)
        if self.iface == AP_IF:
            record("ap", kw)
        elif "pm" in kw:
            if not self._active:
                raise OSError("Wifi Not Started")   # as on the ESP32
            record("wifi_pm", kw["pm"])
