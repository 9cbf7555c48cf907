"""The setup page lists the Wi-Fi networks the board hears (network.WLAN
.scan() on the recording stand-in) instead of a blank field: strongest
first, each name once, hostile names never reaching the page, a box for a
hidden network, and "scan again"."""

import json
import urllib.request

from test_fw_setup import post, start_setup

NETWORKS = [["gallery", -48, 3], ["cafe", -80, 0], ["gallery", -70, 3],
            ["<script>alert(1)</script>", -50, 3], ["bell\x07", -40, 3],
            [[0xff, 0xfe, 0x41], -45, 3], ["", -30, 3]]


def test_setup_page_lists_nearby_networks(server, board, monkeypatch):
    monkeypatch.setenv("STUB_WIFI_SCAN", json.dumps(NETWORKS))
    b, url, html = start_setup(board)
    assert b.records("wifi_scan")
    assert '<select name="ssid">' in html
    assert html.index('value="gallery"') < html.index('value="&lt;script&gt;') < html.index('value="cafe"')
    assert html.count('<option value="gallery"') == 1
    assert "gallery (strong, password)" in html and "cafe (weak, open)" in html
    assert "<script>" not in html and "\x07" not in html and "bell" not in html
    assert 'name="ssid_other"' in html and 'href="/?scan=1"' in html

    with urllib.request.urlopen(url + "?scan=1", timeout=10) as r:
        again = r.read().decode()
    assert len(b.records("wifi_scan")) == 2 and '<select name="ssid">' in again

    # A hidden network typed in the box wins over the list.
    status, page = post(url, {"ssid": "gallery", "ssid_other": "backstage", "password": "sculpture",
                              "server": server.url, "key0": "test/tick", "key1": "test/tick"})
    assert status == 200 and b.wait_exit() == 77
    assert b.read_config()["wifi"]["ssid"] == "backstage"


def test_no_networks_heard_gives_the_text_box(board, monkeypatch):
    monkeypatch.setenv("STUB_WIFI_SCAN", "[]")
    b, url, html = start_setup(board)
    assert b.records("wifi_scan")
    assert '<select name="ssid">' not in html and 'name="ssid"' in html and "no networks heard" in html
