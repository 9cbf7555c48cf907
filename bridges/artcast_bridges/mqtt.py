"""artcast bridge mqtt: datums as retained MQTT messages, for Home Assistant and Node-RED.

    artcast bridge mqtt --broker 127.0.0.1 --keys 'room/*' --homeassistant
    artcast bridge mqtt --broker broker.local:1883 --allow-set

Out: each datum heard on the multicast group for --keys (default: every
key) is published, retained, on `artcast/<key>` with the value as compact
JSON (`21.5`, `"on"`, `{"a":1}`), so a subscriber that connects later gets
the latest value at once. Keys under `set/` are not published (that topic
tree is the way in).

In (only with --allow-set): a message on `artcast/set/<key>` becomes a
datum for <key> on the group. The payload is JSON; text that is not JSON is
sent as a string (`on` -> "on"). Retained set messages are ignored, so a
broker restart does not replay old commands.

--homeassistant publishes MQTT discovery configs (retained) on
`homeassistant/sensor/artcast/<key with / . ~ as _>/config`, so each key
appears as a sensor entity named by its registered description, all under
one "Artcast" device. The bridge's availability is on `artcast/$status`
("online", or "offline" as its last will).

The MQTT work is paho-mqtt's (2.x API); reconnects are paho's, and after
each (re)connect the latest value of every key is published again.
"""

import argparse
import json
import os
import re
import sys
import threading

from artcast_bridges.listen import DATUM, Listener, key_pattern
from artcast_bridges.log import Log
from artcast_bridges.options import host_port

DEFAULT_PORT = 1883
DEFAULT_PREFIX = "artcast"
SET = "set"


def topic_for(prefix, key):
    return "%s/%s" % (prefix, key)


def payload_for(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def value_from(payload):
    """An MQTT payload -> an artcast value: JSON, else the text as a string.
    Raises ValueError for a payload that is not UTF-8."""
    try:
        text = payload.decode("utf-8")
    except UnicodeError:
        raise ValueError("payload is not UTF-8 text")
    try:
        return json.loads(text)
    except ValueError:
        return text


def discovery(key, meta, prefix, discovery_prefix):
    """(config topic, config payload) for a Home Assistant MQTT sensor."""
    object_id = re.sub(r"[^A-Za-z0-9_-]", "_", key)
    config = {
        "name": (meta or {}).get("description") or key,
        "unique_id": "artcast_" + object_id,
        "state_topic": topic_for(prefix, key),
        "value_template": "{{ value_json }}",
        "availability_topic": prefix + "/$status",
        "device": {"identifiers": ["artcast"], "name": "Artcast", "manufacturer": "Artcast"},
    }
    topic = "%s/sensor/artcast/%s/config" % (discovery_prefix, object_id)
    return topic, json.dumps(config, separators=(",", ":"))


class MqttBridge:
    """Keeps the latest value of each key and mirrors it to the broker."""

    def __init__(self, client, source, log, prefix=DEFAULT_PREFIX, qos=0, allow_set=False,
                 discovery_prefix=None):
        self.client = client
        self.source = source
        self.log = log
        self.prefix = prefix
        self.qos = qos
        self.allow_set = allow_set
        self.discovery_prefix = discovery_prefix
        self.latest = {}          # key -> payload text
        self.meta = {}            # key -> registration metadata
        self.announced = {}       # key -> discovery payload last published
        self.lock = threading.Lock()
        self.set_prefix = topic_for(prefix, SET) + "/"
        client.on_connect = self.on_connect
        client.on_message = self.on_message
        client.on_subscribe = self.on_subscribe
        client.will_set(prefix + "/$status", "offline", qos=1, retain=True)

    # --- artcast -> MQTT (the listener's thread) -------------------------------

    def heard(self, item):
        if item.key.startswith(SET + "/"):
            self.log.problem("set-key", "not publishing %s: keys under set/ would be read back as commands" % item.key)
            return
        with self.lock:
            if item.kind == DATUM:
                self.latest[item.key] = payload_for(item.value)
                self._publish(item.key)
            else:
                self.meta[item.key] = item.value
            self._announce(item.key)

    def _publish(self, key):
        self.client.publish(topic_for(self.prefix, key), self.latest[key], qos=self.qos, retain=True)

    def _announce(self, key):
        if self.discovery_prefix is None or key not in self.latest:
            return
        topic, config = discovery(key, self.meta.get(key), self.prefix, self.discovery_prefix)
        if self.announced.get(key) != config:
            self.client.publish(topic, config, qos=1, retain=True)
            self.announced[key] = config

    # --- paho's network thread ----------------------------------------------------

    def on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            self.log.problem("connect", "broker refused the connection: %s" % reason_code)
            return
        client.publish(self.prefix + "/$status", "online", qos=1, retain=True)
        if self.allow_set:
            client.subscribe(self.set_prefix + "#", qos=1)
        with self.lock:
            self.announced = {}
            for key in self.latest:
                self._publish(key)
                self._announce(key)
        self.log.say("connected to the broker")

    def on_subscribe(self, client, userdata, mid, reason_codes, properties):
        if any(rc.is_failure for rc in reason_codes):
            self.log.say("the broker refused the subscription to %s#" % self.set_prefix)
        else:
            self.log.say("taking set messages on %s<key>" % self.set_prefix)

    def on_message(self, client, userdata, message):
        if message.retain:
            return     # an old command kept by the broker: never replay it
        key = message.topic[len(self.set_prefix):] if message.topic.startswith(self.set_prefix) else None
        try:
            if key is None:
                raise ValueError("not under %s" % self.set_prefix)
            self.source.send(key, value_from(message.payload))
        except ValueError as exc:
            self.log.problem("set", "ignored MQTT message on %r: %s" % (message.topic, exc))


def build_parser():
    from artcast_source.options import add_source_options
    parser = argparse.ArgumentParser(prog="artcast bridge mqtt", description=__doc__.split("\n\n")[0])
    parser.add_argument("--broker", required=True, metavar="HOST[:PORT]", help="MQTT broker (port default 1883)")
    parser.add_argument("--username", help="broker user; the password comes from ARTCAST_MQTT_PASSWORD")
    parser.add_argument("--keys", nargs="+", default=["*"], metavar="KEY", type=key_pattern,
                        help="keys or patterns (room/*) to publish (default: all)")
    parser.add_argument("--topic-prefix", default=DEFAULT_PREFIX, help="default %s" % DEFAULT_PREFIX)
    parser.add_argument("--qos", type=int, choices=(0, 1, 2), default=0, help="for values (default 0)")
    parser.add_argument("--allow-set", action="store_true",
                        help="publish messages on <prefix>/set/<key> as datums (off by default)")
    parser.add_argument("--homeassistant", action="store_true", help="publish Home Assistant discovery configs")
    parser.add_argument("--discovery-prefix", default="homeassistant", help="default homeassistant")
    add_source_options(parser)
    return parser


def broker_address(text):
    if ":" in text:
        return host_port(text)
    return text, DEFAULT_PORT


def main(argv=None):
    import paho.mqtt.client as mqtt
    from artcast_source import Source
    from artcast_source.options import apply_process_options
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        host, port = broker_address(args.broker)
    except argparse.ArgumentTypeError as exc:
        parser.error("--broker: %s" % exc)
    apply_process_options(args)   # first, as sources do: --daemonize closes open sockets
    log = Log("mqtt")
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="artcast-bridge-%d" % os.getpid())
    if args.username:
        client.username_pw_set(args.username, os.environ.get("ARTCAST_MQTT_PASSWORD"))
    source = Source(group=args.group, data_port=args.data_port, register_port=args.registration_port,
                    ttl=args.ttl, interface=args.multicast_interface, register_every=0)
    bridge = MqttBridge(client, source, log, args.topic_prefix, args.qos, args.allow_set,
                        args.discovery_prefix if args.homeassistant else None)
    listener = None
    try:
        listener = Listener(args.keys, args.group, args.data_port, args.registration_port, args.multicast_interface)
        client.connect_async(host, port)
        client.loop_start()
        log.say("datums of %s -> %s:%d%s" % (" ".join(args.keys), host, port,
                                             ", set allowed" if args.allow_set else ""))
        while True:
            for item in listener.poll(0.5):
                bridge.heard(item)
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        log.say(str(exc))
        return 1
    finally:
        if client.is_connected():
            client.publish(args.topic_prefix + "/$status", "offline", qos=1, retain=True).wait_for_publish(2)
            client.disconnect()
        client.loop_stop()
        if listener is not None:
            listener.close()
        source.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
