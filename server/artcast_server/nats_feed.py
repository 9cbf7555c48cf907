"""NATS as a feed: datums and registrations from NATS subjects into the hub.

Where multicast cannot go (several networks, two sites, a cloud VM), servers
subscribe to NATS instead of, or as well as, a multicast group. The payload
of each NATS message is the exact datagram a source sent, so it goes through
the same handlers as a multicast datagram (multicast.py `data_handler`,
`registration_handler`) and gets the same ETag whichever way it came.

Subjects (PROTOCOL.md, "NATS"): `<prefix>.data.<key as tokens>` and
`<prefix>.register.<key as tokens>`; the server subscribes to
`<prefix>.data.>` and `<prefix>.register.>` and takes the key from the
payload, as it does for multicast.

NATS being down never stops the server: nats-py is asked to retry forever
(about once a second), at the first connection and after any loss; should
it give up with an error all the same, the connection starts over after a
growing delay (artcast_core.backoff). Failures go to the error log through
its rate limit; connecting and reconnecting are one line each.

    feed = NatsFeed(["nats://127.0.0.1:4222"], "artcast", on_data, on_register, errors)
    feed.start()
    ...
    await feed.close()
"""

import asyncio

from artcast_core.backoff import Backoff
from artcast_core.nats_subjects import subject_for

RECONNECT_WAIT = 1.0        # seconds between nats-py's reconnect attempts once connected
CONNECT_TIMEOUT = 2.0


def check_prefix(prefix):
    """A subject prefix: dot-separated tokens, no wildcards or spaces.
    Raises ValueError saying what is wrong."""
    tokens = prefix.split(".")
    for token in tokens:
        if not token or any(c in token for c in "*> \t\r\n"):
            raise ValueError("%r is not a NATS subject prefix (tokens joined by '.', no '*', '>' or spaces)"
                             % prefix)
    return prefix


def import_nats():
    """nats-py, or a clear error for the command line."""
    try:
        import nats
    except ImportError:
        raise RuntimeError("--nats needs the nats-py package: pip install 'artcast[nats]'")
    return nats


class NatsFeed:
    """Subscribes to the datum and registration subjects and hands each
    payload to `on_data([payload])` / `on_register([payload])`."""

    def __init__(self, servers, prefix, on_data, on_register, log, name="artcast-server"):
        self.servers = list(servers)
        self.prefix = check_prefix(prefix)
        self.on_data = on_data
        self.on_register = on_register
        self.log = log              # an ErrorLog: info(), report(reason, message)
        self.name = name
        self.client = None
        self.task = None
        self.connected = asyncio.Event()

    def start(self):
        self.task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def _run(self):
        nats = import_nats()
        backoff = Backoff(base=0.25, cap=5.0)
        while True:
            try:
                client = await nats.connect(
                    servers=self.servers, name=self.name, allow_reconnect=True,
                    max_reconnect_attempts=-1, reconnect_time_wait=RECONNECT_WAIT,
                    connect_timeout=CONNECT_TIMEOUT, error_cb=self._error,
                    disconnected_cb=self._disconnected, reconnected_cb=self._reconnected)
            except asyncio.CancelledError:
                raise
            except Exception as exc:        # refused, timed out, no servers: try again later
                delay = backoff.next_delay()
                self.log.report("nats", "nats: cannot connect to %s (%s); retrying in %.1fs"
                                % (", ".join(self.servers), describe_error(exc), delay))
                await asyncio.sleep(delay)
                continue
            self.client = client
            await client.subscribe(self.prefix + ".data.>", cb=self._datum)
            await client.subscribe(self.prefix + ".register.>", cb=self._registration)
            await client.flush()        # subscribed at the NATS server before we say so
            self.log.info("nats: connected to %s; subscribed to %s.data.> and %s.register.>"
                          % (_url(client), self.prefix, self.prefix))
            self.connected.set()
            return

    def publish(self, kind, key, payload):
        """Send a payload this server accepted (HTTP publish) to NATS; every
        server subscribed, this one included, takes it from there. While
        disconnected it is reported and not sent (HTTP publish answered 202
        already: the multicast copy, if any, still went out)."""
        client = self.client
        if client is None or not self.connected.is_set():
            self.log.report("nats", "nats: not connected; a published %s for %s was not sent to NATS" % (kind, key))
            return
        subject = subject_for(self.prefix, kind, key)

        async def send():
            try:
                await client.publish(subject, payload)
            except Exception as exc:
                self.log.report("nats", "nats: publish to %s failed (%s)" % (subject, describe_error(exc)))
        asyncio.get_running_loop().create_task(send())

    async def _datum(self, msg):
        self.on_data([msg.data])

    async def _registration(self, msg):
        self.on_register([msg.data])

    async def _error(self, exc):
        self.log.report("nats", "nats: %s" % describe_error(exc))

    async def _disconnected(self):
        self.connected.clear()
        self.log.report("nats", "nats: disconnected; reconnecting")

    async def _reconnected(self):
        self.connected.set()
        self.log.info("nats: reconnected to %s" % _url(self.client))

    async def close(self):
        if self.task is not None and not self.task.done():
            self.task.cancel()
            try:
                await self.task
            except asyncio.CancelledError:
                pass
        if self.client is not None:
            try:
                await asyncio.wait_for(self.client.close(), 1.0)
            except Exception:
                pass


def describe_error(exc):
    """An exception as one short log line (the NATS feed and the NATS bridge)."""
    text = str(exc) or exc.__class__.__name__
    return text.replace("\n", " ").replace("\r", " ")[:200]


def _url(client):
    url = client.connected_url
    return "%s:%s" % (url.hostname, url.port) if url is not None else "?"
