"""The Artcast server: long-poll HTTP (microdot) fed by UDP multicast.

Modules, outside in:
  cli.py        command line, daemon, privileges, signals, start-up
  listen.py     the TCP listen socket, dispatch through microdot, fan-out, shutdown
  connection.py one client connection (asyncio protocol); parked in the hub while it waits
  deadlines.py  coarse timeouts under one timer that exists only while someone waits
  app.py        the microdot routes (thin: parse, ask the hub, answer)
  responses.py  value / 204 / error responses and their headers
  pages.py      the HTML list page and live key page
  listing.py    GET /artcasts in bounded pages; keys close to a misspelt one
  events.py     GET /events (Server-Sent Events), cursors, the followers registry
  follow.py     GET /follow: one long-poll for several keys
  devices.py    the devices table (Artcast-Device) and GET /devices
  dashboard.py  the dashboard, full-screen view, devices roster, QR code
  metrics.py    /status for people and GET /metrics (Prometheus)
  multicast.py  the UDP multicast receivers (datagram -> hub)
  hub.py        state: artcasts, latest datum per key, waiting requests, counters
  logs.py       access log (NCSA combined) and rate-limited error log
The wire format itself lives in artcast_core (shared with clients and firmware).
"""

from artcast_core import VERSION

__all__ = ["VERSION"]
