# The setup network (setup mode only; normal mode never loads this, which
# leaves its bytecode to the outputs): open the access point, and list the
# networks the board hears for the setup page's drop-down.

import network


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
