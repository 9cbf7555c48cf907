# The setup page: a teacher joins the board's own Wi-Fi network
# ("artcast-setup-ab12", password "artcast-setup"), opens http://192.168.4.1
# and types the gallery Wi-Fi, the server and the key(s). The page checks
# the result with the same checker as normal mode (config.check), saves
# config.json and restarts the board into normal mode.
#
#   from artcast_fw import setup_page
#   setup_page.serve(None, "no config.json yet")      # blocks; resets on save
#
# microdot runs unchanged on MicroPython; deploy.py copies it from the
# installed package onto the board (it is not part of this repository).

import json

import machine

from artcast_fw import config

# A first-boot board has no outputs block yet: a strip on GPIO16 and a servo
# on GPIO17 (the wiring in firmware/README.md), both following the key the
# teacher types. With test/tick (a counter) the strip cycles blue -> green
# -> red -> blue and the servo sweeps once a minute ("modulo": 60). Anything else: edit the outputs box on the page or
# config.json.
DEFAULT_OUTPUTS = [
    {"key": "test/tick",
     "device": {"type": "neopixel", "pin": 16, "count": 8, "brightness": 0.3},
     "mapping": {"type": "gradient", "from": [0, 60], "modulo": 60,
                 "palette": ["#0000ff", "#00ff00", "#ff0000", "#0000ff"]},
     "motion": {"fade": 0.5},
     "on_disconnect": {"action": "hold", "status_pixel": {"index": 0, "colour": "#ff0000"}}},
    {"key": "test/tick",
     "device": {"type": "servo", "pin": 17},
     "mapping": {"type": "linear", "from": [0, 60], "modulo": 60, "to": [0, 180]},
     "motion": {"slew": 60}},
]
RESET_DELAY_MS = 1500


def _esc(text):
    return (str(text).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def _field(label, name, value, kind="text", note=""):
    return ('<p><label>%s<br><input type="%s" name="%s" value="%s" size="40"></label>'
            '<br><small>%s</small></p>' % (label, kind, name, _esc(value), note))


def _network_field(current, networks):
    """The Wi-Fi name as a list of the networks the board hears (scan),
    plus a box for one it does not (hidden); a text box when none heard."""
    if not networks:
        return _field("Wi-Fi network", "ssid", current, note="no networks heard: type its name")
    opts = []
    names = [n[0] for n in networks]
    if current and current not in names:
        opts.append('<option selected>%s</option>' % _esc(current))
    for name, rssi, secured in networks:
        opts.append('<option value="%s"%s>%s (%s%s)</option>'
                    % (_esc(name), " selected" if name == current else "", _esc(name),
                       "strong" if rssi >= -60 else "fair" if rssi >= -75 else "weak",
                       ", password" if secured else ", open"))
    return ('<p><label>Wi-Fi network<br><select name="ssid">%s</select></label> '
            '<a href="/?scan=1">scan again</a></p>%s'
            % ("".join(opts), _field("or another network's name", "ssid_other", "",
                                     note="a hidden network: type its name here")))


def page(cfg, message=None, saved=False, networks=()):
    """The whole HTML page for a (possibly incomplete) config dict."""
    head = ('<!doctype html><html><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width">'
            '<title>Artcast setup</title></head><body><h1>Artcast setup</h1>')
    if saved:
        return head + ("<p><b>Saved.</b> The board restarts now and joins %s. "
                       "Its strip shows the artcast in a few seconds.</p></body></html>"
                       % _esc(cfg["wifi"]["ssid"]))
    wifi = cfg.get("wifi") or {}
    outputs = cfg.get("outputs") or DEFAULT_OUTPUTS
    parts = [head]
    if message:
        parts.append('<p style="color:#b00"><b>%s</b></p>' % _esc(message))
    parts.append('<form method="post" action="/">')
    parts.append(_network_field(wifi.get("ssid", ""), networks))
    parts.append(_field("Wi-Fi password", "password", "", "password",
                        "leave empty to keep the saved one (or for an open network)"))
    parts.append(_field("Artcast server", "server", cfg.get("server", "http://artcast.local:8888"),
                        note="e.g. http://artcast.local:8888 or http://192.168.1.20:8888"))
    for i in range(len(outputs)):
        out = outputs[i]
        dev = out.get("device") or {}
        parts.append(_field("Key for output %d (%s on GPIO %s)" % (i + 1, dev.get("type", "?"),
                                                                   dev.get("pin", "?")),
                            "key%d" % i, out.get("key", "")))
    parts.append('<p><label>Outputs (advanced, same as a Pi piece file)<br>'
                 '<textarea name="outputs" rows="8" cols="60">%s</textarea></label></p>'
                 % _esc(json.dumps(outputs)))
    parts.append('<p><button type="submit">Save and restart</button></p></form></body></html>')
    return "".join(parts)


def merge(raw, form):
    """Old config + submitted form -> new config dict (not yet checked)."""
    # Only fields config.check knows: a typo the check refused ("pasword")
    # would otherwise come back with every save, and the page could never
    # fix it (the form asks for the password again).
    from artcast_fw.config_check import CONFIG_FIELDS
    new = {}
    if isinstance(raw, dict):
        for name in raw:
            if name in CONFIG_FIELDS or name.startswith("_"):
                new[name] = raw[name]
    old_wifi = new.get("wifi") if isinstance(new.get("wifi"), dict) else {}
    ssid = (form.get("ssid_other") or "").strip() or (form.get("ssid") or "").strip()
    password = form.get("password") or ""
    if not password and ssid == old_wifi.get("ssid"):
        password = old_wifi.get("password", "")
    new_wifi = {"ssid": ssid, "password": password}
    if "power_save" in old_wifi:
        new_wifi["power_save"] = old_wifi["power_save"]
    new["wifi"] = new_wifi
    new["server"] = (form.get("server") or "").strip()
    text = form.get("outputs")
    if text:
        try:
            outputs = json.loads(text)
        except ValueError:
            raise config.ConfigError("outputs: the box is not valid JSON")
    else:
        outputs = new.get("outputs") or DEFAULT_OUTPUTS
    if isinstance(outputs, list):
        outputs = [dict(o) if isinstance(o, dict) else o for o in outputs]
        for i in range(len(outputs)):
            key = form.get("key%d" % i)
            if key is not None and isinstance(outputs[i], dict):
                outputs[i]["key"] = key.strip()
    new["outputs"] = outputs
    new["setup"] = False
    return new


def make_app(raw, problem, path=config.CONFIG_PATH, reset=None, networks=None):
    """The microdot app (separate from serve() so tests can drive it)."""
    from microdot import Microdot
    import asyncio

    app = Microdot()
    state = {"raw": raw if isinstance(raw, dict) else {}, "problem": problem,
             "networks": networks or []}
    html = {"Content-Type": "text/html; charset=utf-8"}

    async def reset_soon():
        await asyncio.sleep_ms(RESET_DELAY_MS)
        (reset or machine.reset)()

    @app.get("/")
    async def index(request):
        if request.args.get("scan"):
            from artcast_fw import access_point
            state["networks"] = access_point.nearby_networks()
        return page(state["raw"], state["problem"], networks=state["networks"]), 200, html

    @app.post("/")
    async def save(request):
        form = request.form or {}
        new = None
        try:
            new = merge(state["raw"], form)
            config.check(new)
        except config.ConfigError as e:
            config.forget_checker()   # heap back for building the page
            # Show the page again with what was typed and what is wrong.
            if new is None:
                new = dict(state["raw"])
                new["wifi"] = {"ssid": form.get("ssid") or ""}
                new["server"] = form.get("server") or ""
            return page(new, str(e), networks=state["networks"]), 400, html
        config.forget_checker()
        config.save(new, path)
        print("artcast: setup saved to", path)
        asyncio.create_task(reset_soon())
        return page(new, saved=True), 200, html

    return app


def serve(raw, problem, path=config.CONFIG_PATH, host="0.0.0.0", port=80, access_point=True):
    """Open the setup access point and serve the page until a save resets."""
    networks = None
    if access_point:
        from artcast_fw import access_point, wifi
        networks = access_point.nearby_networks()     # before the access point takes the radio
        essid = "artcast-setup-" + wifi.board_id()
        password = "artcast-setup"
        if isinstance(raw, dict) and isinstance(raw.get("setup_password"), str):
            password = raw["setup_password"]
        address = access_point.start_access_point(essid, password)
        print("artcast: setup page on Wi-Fi %s at http://%s/" % (essid, address))
    make_app(raw, problem, path, networks=networks).run(host=host, port=port)
