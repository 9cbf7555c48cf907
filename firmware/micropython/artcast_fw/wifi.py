# Wi-Fi for the firmware: stay joined to the gallery network, or open the
# setup access point.
#
# A gallery router reboots at night, a classroom access point drops boards
# when 30 join at once: Station.check() is called from the main loop many
# times a second, costs nothing while connected, and when the link is gone
# asks the radio to join again on a jittered, growing schedule
# (artcast_core.backoff) so the loop keeps running meanwhile (no blocking
# wait, the watchdog keeps being fed, LEDs keep fading).
#
#   station = Station("gallery", "secret", hostname="artcast-hall")
#   while True:
#       if station.check(time.ticks_ms()):
#           ...  # network is up
#
# mDNS: the ESP32 MicroPython build resolves "*.local" names through its
# lwIP mDNS client, so a server URL like http://artcast.local:8888 works as
# long as the Pi advertises its hostname (Raspberry Pi OS does, via avahi).

import time

import network

from artcast_core.backoff import Backoff

# How long one join attempt may take before it counts as failed.
JOIN_TIMEOUT_MS = 15000


class Station:
    """The board as a Wi-Fi client of the gallery network."""

    def __init__(self, ssid, password, hostname=None, backoff=None, power_save=False):
        self.ssid = ssid
        self.password = password
        self.backoff = backoff or Backoff(base=1.0, cap=60.0)
        if hostname:
            try:
                network.hostname(hostname)
            except (AttributeError, ValueError, OSError):
                pass  # older firmware: keep the default name
        self.wlan = network.WLAN(network.STA_IF)
        self.wlan.active(True)
        set_power_save(self.wlan, power_save)
        self.joining = False
        self.next_at = time.ticks_ms()
        self.join_deadline = 0
        self.connected = False
        self.joins = 0  # join attempts, for the log and the tests

    def check(self, now):
        """True when the link is up; otherwise keep trying to join."""
        if self.wlan.isconnected():
            if not self.connected:
                self.connected = True
                self.joining = False
                self.backoff.reset()
                print("artcast: wifi up", self.address())
            return True
        if self.connected:
            self.connected = False
            print("artcast: wifi lost")
            self.next_at = now
        if self.joining:
            if time.ticks_diff(now, self.join_deadline) < 0:
                return False
            self.joining = False
            try:
                self.wlan.disconnect()
            except OSError:
                pass
            delay_ms = int(self.backoff.next_delay() * 1000)
            self.next_at = time.ticks_add(now, delay_ms)
            print("artcast: wifi join failed, retry in %d ms" % delay_ms)
            return False
        if time.ticks_diff(now, self.next_at) >= 0:
            self._join(now)
        return False

    def _join(self, now):
        self.joins += 1
        self.joining = True
        self.join_deadline = time.ticks_add(now, JOIN_TIMEOUT_MS)
        try:
            self.wlan.connect(self.ssid, self.password)
        except OSError as e:
            # "Wifi Internal Error" when a join is already under way: let the
            # deadline sort it out.
            print("artcast: wifi connect:", e)

    def address(self):
        try:
            return self.wlan.ifconfig()[0]
        except OSError:
            return "?"


def set_power_save(wlan, on):
    """Modem sleep off (PM_NONE) for mains-powered kits: with it on, the
    ESP32's default, every value arrives tens to hundreds of ms late.
    on=True (config "wifi": {"power_save": true}, battery kits) picks
    PM_PERFORMANCE, the ESP32's own default light modem sleep."""
    pm = getattr(network.WLAN, "PM_PERFORMANCE" if on else "PM_NONE", None)
    if pm is None:
        return  # firmware before 1.20 has no pm setting: keep its default
    try:
        wlan.config(pm=pm)
    except (ValueError, OSError) as e:
        print("artcast: wifi power save:", e)


def start_access_point(essid, password):
    """Open the setup network; returns the board's address on it.

    WPA2 needs a password of 8+ characters; a shorter one gives an open
    network (fine for a classroom bench, say so on the label).
    """
    sta = network.WLAN(network.STA_IF)
    sta.active(False)
    ap = network.WLAN(network.AP_IF)
    ap.active(True)
    # Newer firmware also names these WLAN.SEC_*; the old names remain.
    if password and len(password) >= 8:
        ap.config(essid=essid, password=password, authmode=getattr(network, "AUTH_WPA2_PSK", 3))
    else:
        ap.config(essid=essid, authmode=getattr(network, "AUTH_OPEN", 0))
    return ap.ifconfig()[0]


def board_id():
    """Last 4 hex digits of the MAC: tells 30 boards in a classroom apart."""
    try:
        mac = network.WLAN(network.STA_IF).config("mac")
        return "%02x%02x" % (mac[-2], mac[-1])
    except (OSError, ValueError, TypeError):
        return "0000"


# At most this many networks on the setup page, strongest first.
MAX_NETWORKS = 20


def nearby_networks():
    """[(ssid, rssi, secured)] the station radio hears, strongest first, each
    name once. Hidden networks and names that are not printable UTF-8 (they
    could not be typed, and must never reach the page as markup or control
    characters) are left out. [] when the scan fails."""
    sta = network.WLAN(network.STA_IF)
    was_active = sta.active()
    try:
        sta.active(True)
        found = sta.scan()      # (ssid, bssid, channel, RSSI, security, hidden)
    except OSError as e:
        print("artcast: wifi scan failed:", e)
        return []
    finally:
        if not was_active:
            sta.active(False)
    best = {}
    for row in found:
        try:
            name = bytes(row[0]).decode("utf-8")
        except UnicodeError:
            continue
        if not name or any(ord(c) < 32 or ord(c) == 127 for c in name):
            continue
        if name not in best or row[3] > best[name][1]:
            best[name] = (name, row[3], row[4] != 0)
    nets = sorted(best.values(), key=lambda n: -n[1])
    return nets[:MAX_NETWORKS]
