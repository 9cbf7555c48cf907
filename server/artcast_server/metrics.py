"""The operator's view of /status: an HTML page for people and GET /metrics
in the Prometheus text format (version 0.0.4) for Grafana and the like.

Both are rendered from the one /status dictionary, so the three views never
disagree. Numbers in METRICS get their name, type and help text; any other
number /status carries (a later counter) is exported as a gauge named after
its field, and a dictionary of numbers becomes one metric with a label.

    text = prometheus(status)       # "# HELP artcast_datums_received_total ..."
"""

from html import escape

COUNTER, GAUGE = "counter", "gauge"

# /status field -> (metric name, type, help, label for a dictionary's keys)
METRICS = {
    "uptime": ("artcast_uptime_seconds", GAUGE, "Seconds since the server started.", None),
    "waiting_clients": ("artcast_waiting_clients", GAUGE, "Requests held waiting for a datum.", None),
    "known_keys": ("artcast_known_keys", GAUGE, "Artcasts this server knows.", None),
    "datums_received": ("artcast_datums_received_total", COUNTER, "Datums received by multicast.", None),
    "registrations_received": ("artcast_registrations_received_total", COUNTER,
                               "Registrations received by multicast.", None),
    "datagrams_dropped": ("artcast_datagrams_dropped_total", COUNTER, "Datagrams dropped, by reason.", "reason"),
    "requests_served": ("artcast_requests_served_total", COUNTER, "HTTP requests answered.", None),
    "connections_accepted": ("artcast_connections_accepted_total", COUNTER, "TCP connections accepted.", None),
    "connections_open": ("artcast_connections_open", GAUGE, "TCP connections open now.", None),
    "event_streams": ("artcast_event_streams", GAUGE, "Open GET /events streams.", None),
    "follow_waiting": ("artcast_follow_waiting", GAUGE, "Held GET /follow requests.", None),
    "devices": ("artcast_devices", GAUGE, "Named devices by state (waiting, online, offline).", "state"),
    "devices_refused": ("artcast_devices_refused_total", COUNTER,
                        "Device names not recorded (unusable, or the table full).", None),
}


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _label(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _metric_name(field):
    name = "".join(c if c.isalnum() and c.isascii() else "_" for c in field)
    return "artcast_" + name.lower()


def prometheus(status):
    """The /status dictionary -> Prometheus exposition text."""
    out = ['# HELP artcast_info The server version.', '# TYPE artcast_info gauge',
           'artcast_info{version="%s"} 1' % _label(status.get("version", ""))]
    for field in sorted(status):
        value = status[field]
        name, kind, help_text, label = METRICS.get(field, (_metric_name(field), GAUGE,
                                                            "/status field %s." % field, "name"))
        if _number(value):
            samples = [("", value)]
        elif isinstance(value, dict) and all(_number(v) for v in value.values()):
            samples = [('{%s="%s"}' % (label, _label(k)), v) for k, v in sorted(value.items())]
        else:
            continue
        out.append("# HELP %s %s" % (name, help_text))
        out.append("# TYPE %s %s" % (name, kind))
        for labels, number in samples:
            out.append("%s%s %s" % (name, labels, repr(float(number)) if isinstance(number, float) else number))
    return "\n".join(out) + "\n"


_STYLE = ("body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:40rem;padding:0 1rem;color:#222}"
          "table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem .5rem;"
          "border-bottom:1px solid #ddd}td.n{text-align:right;font-variant-numeric:tabular-nums}"
          "a{color:#0a5bd3}")


def _rows(status, prefix=""):
    rows = []
    for field in sorted(status):
        value = status[field]
        if isinstance(value, dict):
            rows.extend(_rows(value, prefix + field + "."))
            if not value:
                rows.append("<tr><th>%s</th><td class=\"n\">none</td></tr>" % escape(prefix + field))
        else:
            rows.append("<tr><th>%s</th><td class=\"n\">%s</td></tr>" % (escape(prefix + field), escape(str(value))))
    return rows


def status_page(status):
    """/status for a browser: every field in a table, refreshed every 5 s."""
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            "<meta http-equiv=\"refresh\" content=\"5\"><link rel=\"icon\" href=\"data:,\">"
            "<title>Artcast server status</title><style>%s</style></head><body>"
            "<p><a href=\"/artcasts\">Dashboard</a> · <a href=\"/devices\">Devices</a> · "
            "<a href=\"/status?format=json\">JSON</a> · <a href=\"/metrics\">Prometheus</a></p>"
            "<h1>Server status</h1><table>%s</table></body></html>\n"
            % (_STYLE, "".join(_rows(status))))


def full_status(hub, version, followers, devices):
    """The /status dictionary: the hub's counters plus streams and devices."""
    status = hub.status(version)
    status["event_streams"] = len(followers.streams)
    status["follow_waiting"] = followers.count - len(followers.streams)
    status["devices"] = devices.counts()
    status["devices_refused"] = devices.refused
    return status
