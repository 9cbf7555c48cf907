"""/status for people (HTML, negotiated like /artcasts; JSON stays the
default) and GET /metrics in the Prometheus text format, parsed by
prometheus_client's own parser, against a real server."""

import json

from prometheus_client.parser import text_string_to_metric_families


def test_status_stays_json_for_programs_and_is_a_page_for_browsers(server):
    status, headers, body = server.get("/status")
    assert status == 200 and headers["content-type"].startswith("application/json")
    info = json.loads(body)
    assert info["event_streams"] == 0 and info["devices"] == {"waiting": 0, "online": 0, "offline": 0}
    status, headers, body = server.get("/status", {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b"datums_received" in body and b"<table>" in body
    assert server.get("/status?format=json")[1]["content-type"].startswith("application/json")
    assert server.get("/status", {"Accept": "image/png"})[0] == 406


def test_metrics_parse_as_prometheus_and_match_status(server):
    server.send("m/a", 1)
    server.send_raw(b"not json")
    server.wait_for_datums(1)
    server.get("/artcasts/m/a?wait=0", {"Artcast-Device": "kit-1"})
    status, headers, body = server.get("/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    assert families["artcast_datums_received"].type == "counter"
    assert families["artcast_datums_received"].samples[0].value == 1
    assert families["artcast_connections_open"].type == "gauge"
    dropped = {s.labels["reason"]: s.value for s in families["artcast_datagrams_dropped"].samples}
    assert dropped == {"not-json": 1}
    devices = {s.labels["state"]: s.value for s in families["artcast_devices"].samples}
    assert devices["online"] + devices["waiting"] == 1
    assert families["artcast_info"].samples[0].labels["version"]
    for family in families.values():
        assert family.documentation, "every metric has HELP"
