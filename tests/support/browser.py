"""Headless Chromium (Debian's `chromium`) driven over the DevTools protocol.

Just enough to open a page, evaluate JavaScript and take a screenshot:
launch with --remote-debugging-port=0, read the port Chromium chose, talk
to the page's websocket (websocket-client).
"""

import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

import websocket

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--remote-debugging-port=0", "--remote-allow-origins=*"]


def chromium_path():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise AssertionError("Chromium is missing: apt-get install chromium (python3 run.py test does it as root)")


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="artcast-chromium-")
        self.proc = subprocess.Popen([chromium_path()] + FLAGS + ["--user-data-dir=" + self.profile, "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise AssertionError("Chromium did not start")
            time.sleep(0.05)
        self.port = int(open(port_file).read().split()[0])
        with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % self.port, timeout=10) as r:
            page = [t for t in json.load(r) if t["type"] == "page"][0]
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
        self.ids = itertools.count(1)

    def call(self, method, **params):
        msg_id = next(self.ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise AssertionError("%s failed: %s" % (method, msg["error"]))
                return msg["result"]

    def goto(self, url):
        self.call("Page.enable")
        self.call("Page.navigate", url=url)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def set_viewport(self, width, height, mobile=True):
        """Emulate a phone-sized window (CSS pixels)."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=mobile)

    def wait_for(self, expression, expected, timeout=30.0):
        """Poll `expression` until it equals `expected`. While the page
        navigates there is no context to evaluate in: that is "not yet", not
        a failure (a busy machine makes that window long)."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except AssertionError as exc:       # "Cannot find context", "context was destroyed"
                value = exc
            if value == expected:
                return value
            time.sleep(0.05)
        raise AssertionError("%s was %r, expected %r" % (expression, value, expected))

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)
