# Wi-Fi for the firmware: stay joined to the gallery network (the setup
# access point and the scan for its page are in access_point.py, loaded in
# setup mode only).
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


def board_id():
    """Last 4 hex digits of the MAC: tells 30 boards in a classroom apart."""
    try:
        mac = network.WLAN(network.STA_IF).config("mac")
        return "%02x%02x" % (mac[-2], mac[-1])
    except (OSError, ValueError, TypeError):
        return "0000"
