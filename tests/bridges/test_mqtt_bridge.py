"""artcast bridge mqtt against a real mosquitto broker (started by the test
on 127.0.0.1) and a real artcast-server: retained values, set messages
(only when allowed), Home Assistant discovery."""

import json

import pytest

from artcast_bridges.mqtt import discovery, value_from

from bridge_support import Mosquitto, Subscriber, multicast_args, start_artcast, stop, wait_until


@pytest.fixture
def broker(tmp_path):
    mosquitto = Mosquitto(tmp_path)
    yield mosquitto
    mosquitto.stop()


def start_bridge(server, broker, tmp_path, *extra):
    log = tmp_path / "mqtt.log"
    proc = start_artcast(["bridge", "mqtt", "--broker", "127.0.0.1:%d" % broker.port] + list(extra)
                         + multicast_args(server), log)
    ready = b"taking set messages" if "--allow-set" in extra else b"connected to the broker"
    wait_until(lambda: ready in log.read_bytes(), what="the bridge to connect")
    return proc, log


def value_on(server, key):
    status, _, body = server.get("/artcasts/%s?wait=0" % key)
    return json.loads(body) if status == 200 else None


def test_datums_become_retained_messages(server, broker, tmp_path):
    proc, _ = start_bridge(server, broker, tmp_path, "--keys", "mq/*")
    server.send("mq/temp", 21.5)
    server.send("mq/state", {"on": True, "name": "lamp"})
    server.send("elsewhere/x", 1)
    watcher = Subscriber(broker.port, ["artcast/#"])
    wait_until(lambda: watcher.on("artcast/mq/state"), what="the values on the broker")
    watcher.close()
    # A subscriber that connects later gets the latest value of each key at once (retained).
    late = Subscriber(broker.port, ["artcast/#"])
    wait_until(lambda: late.on("artcast/mq/temp") and late.on("artcast/mq/state"), what="retained values")
    assert late.on("artcast/mq/temp") == [("artcast/mq/temp", b"21.5", True)]
    assert json.loads(late.on("artcast/mq/state")[0][1]) == {"on": True, "name": "lamp"}
    assert late.on("artcast/$status") == [("artcast/$status", b"online", True)]
    assert not late.on("artcast/elsewhere/x")
    late.close()
    assert stop(proc) == 0
    after = Subscriber(broker.port, ["artcast/$status"])
    wait_until(lambda: after.on("artcast/$status"), what="the status after stopping")
    assert after.on("artcast/$status")[-1][1] == b"offline"
    after.close()


def test_set_messages_only_when_allowed(server, broker, tmp_path):
    proc, _ = start_bridge(server, broker, tmp_path)
    client = Subscriber(broker.port, ["artcast/mq/alive"])
    client.publish("artcast/set/mq/light", b"on")
    server.send("mq/alive", 1)                      # the bridge is working...
    wait_until(lambda: client.on("artcast/mq/alive"), what="the bridge to publish")
    assert value_on(server, "mq/light") is None     # ...but took no set without --allow-set
    assert stop(proc) == 0

    # A command kept by the broker (retained) is never replayed to a bridge that connects later.
    client.publish("artcast/set/mq/old", b"1", retain=True)
    proc, log = start_bridge(server, broker, tmp_path, "--allow-set")
    client.publish("artcast/set/mq/light", b"on")
    wait_until(lambda: value_on(server, "mq/light") == "on", what="the set value on the server")
    client.publish("artcast/set/mq/level", b'{"level": 0.5}')
    wait_until(lambda: value_on(server, "mq/level") == {"level": 0.5}, what="a JSON set value")
    client.publish("artcast/set/bad//key", b"1")
    client.publish("artcast/set/mq/after", b"2")
    wait_until(lambda: value_on(server, "mq/after") == 2, what="a set after bad ones")
    assert value_on(server, "mq/old") is None
    assert b"ignored MQTT message on 'artcast/set/bad//key': key has an empty segment" in log.read_bytes()
    client.close()
    assert stop(proc) == 0


def test_home_assistant_discovery(server, broker, tmp_path):
    proc, _ = start_bridge(server, broker, tmp_path, "--homeassistant", "--keys", "ha/*")
    server.register("ha/room.temp", description="Room temperature")
    server.send("ha/room.temp", 20.0)
    ha = Subscriber(broker.port, ["homeassistant/#"])
    topic = "homeassistant/sensor/artcast/ha_room_temp/config"
    wait_until(lambda: ha.on(topic), what="the discovery config")
    config = json.loads(ha.on(topic)[-1][1])
    assert config["name"] == "Room temperature"
    assert config["state_topic"] == "artcast/ha/room.temp"
    assert config["unique_id"] == "artcast_ha_room_temp"
    assert config["availability_topic"] == "artcast/$status"
    ha.close()
    late = Subscriber(broker.port, [topic])  # retained, so Home Assistant finds it after a restart
    wait_until(lambda: late.on(topic), what="the retained config")
    assert late.on(topic)[-1][2] is True
    late.close()
    assert stop(proc) == 0


def test_payload_mapping():
    assert value_from(b"21.5") == 21.5
    assert value_from(b"on") == "on"
    assert value_from(b'"on"') == "on"
    with pytest.raises(ValueError):
        value_from(b"\xff")
    topic, config = discovery("a/b~c", None, "artcast", "homeassistant")
    assert topic == "homeassistant/sensor/artcast/a_b_c/config" and json.loads(config)["name"] == "a/b~c"
