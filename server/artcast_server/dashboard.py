"""Pages for people watching many things at once: the dashboard (GET
/artcasts in a browser), the full-screen view of one key (?view=full), the
devices roster (GET /devices in a browser) and the QR code on a key's page.

Plain HTML, CSS and one inline script each: no CDN, no build step, so a
gallery laptop with no internet works. The dashboard follows every key over
one GET /events stream (events.py) and draws each key's sparkline from GET
/artcasts/<key>/history when the server has it (a 404 leaves the sparkline
to the live values). Every text a source or a device sent is HTML-escaped
here or set with textContent in the browser, never parsed as markup.
"""

import json
import time

from artcast_server.pages import escape, meta_paragraphs
from artcast_server.responses import HTML, JSON, error

_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]")

_STYLE = """
*{box-sizing:border-box}body{font-family:system-ui,sans-serif;margin:0 auto;max-width:80rem;padding:.8rem;color:#222}
a{color:#0a5bd3}h1{font-size:1.3rem;margin:.2rem 0}header{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
header input{flex:1 1 10rem;min-width:0;font:inherit;padding:.35rem .5rem}#state{color:#777;font-size:.85rem}
#cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,16rem),1fr));gap:.7rem;margin-top:.8rem}
.card{border:1px solid #ddd;border-radius:.4rem;padding:.6rem .7rem;overflow-wrap:anywhere;min-width:0}
.card h2{font-size:.95rem;margin:0;font-weight:600}.card h2 code{font-size:1em}
.value{font-size:1.1rem;margin:.3rem 0;min-height:1.6rem}.value.num{font-size:2.2rem;font-weight:600}
.value.obj{font-family:monospace;font-size:.85rem;max-height:6rem;overflow:hidden}
.swatch{display:inline-block;width:1.6rem;height:1.6rem;border:1px solid #999;border-radius:.2rem;vertical-align:middle;margin-right:.4rem}
.spark{width:100%;height:2rem;display:block}.spark polyline{fill:none;stroke:#0a5bd3;stroke-width:1.5;vector-effect:non-scaling-stroke}
.ago{color:#777;font-size:.8rem;margin:.2rem 0}.meta{color:#555;font-size:.85rem;margin:.2rem 0}
.badge{display:none;background:#b3261e;color:#fff;font-size:.75rem;padding:0 .35rem;border-radius:.2rem;margin-left:.3rem}
.card.stale{border-color:#b3261e;background:#fff6f5}.card.stale .badge{display:inline}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.35rem .45rem;border-bottom:1px solid #ddd;overflow-wrap:anywhere}
tr.offline td{background:#fff0ee}tr.offline td.state{color:#b3261e;font-weight:600}
@media (max-width:600px){thead{display:none}table,tbody,tr,td{display:block}tr{border-bottom:1px solid #ccc;padding:.3rem 0}td{border:0;padding:.1rem .2rem}}
"""


def _page(title, body, style=_STYLE):
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            "<link rel=\"icon\" href=\"data:,\"><title>%s</title><style>%s</style></head><body>%s</body></html>\n"
            % (escape(title), style, body)).encode("utf-8", "replace")


def _script_json(value):
    """A value for an inline <script>: JSON that cannot end the script element."""
    return json.dumps(value).replace("</", "<\\/")


# Shows a value in an element: numbers large, "#rrggbb" as a swatch, objects as compact JSON.
_SHOW = """
function show(el, v) {
  el.className = 'value'; el.textContent = '';
  if (typeof v === 'number') { el.classList.add('num'); el.textContent = String(v); return; }
  if (typeof v === 'string' && /^#[0-9a-fA-F]{6}$/.test(v)) {
    const s = document.createElement('span'); s.className = 'swatch'; s.style.background = v;
    el.append(s, v); return;
  }
  if (typeof v === 'string') { el.textContent = v; return; }
  el.classList.add('obj'); el.textContent = JSON.stringify(v);
}
"""

_DASHBOARD_SCRIPT = _SHOW + """
const SKEW = Date.now() / 1000 - SERVER_NOW, cards = new Map(), state = document.getElementById('state');
function card(key) {
  let c = cards.get(key);
  if (c) return c;
  const el = document.createElement('article'); el.className = 'card'; el.dataset.key = key;
  el.dataset.text = key.toLowerCase();
  const h = document.createElement('h2'), a = document.createElement('a'), code = document.createElement('code');
  a.href = '/artcasts/' + key; code.textContent = key; a.append(code); h.append(a);
  const b = document.createElement('span'); b.className = 'badge'; b.textContent = 'stale'; h.append(b);
  const v = document.createElement('div'); v.className = 'value'; v.textContent = '–';
  el.append(h, v);
  document.getElementById('cards').append(el);
  return setup(el);
}
function setup(el) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'spark'); svg.setAttribute('viewBox', '0 0 100 20');
  svg.setAttribute('preserveAspectRatio', 'none');
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline'); svg.append(line);
  const ago = document.createElement('p'); ago.className = 'ago'; ago.textContent = 'no value yet';
  el.querySelector('.value').after(svg, ago);
  const c = {el, value: el.querySelector('.value'), line, ago, times: [], points: [], etag: null};
  svg.style.display = 'none';
  cards.set(el.dataset.key, c); filter(el);
  return c;
}
function draw(c) {
  const p = c.points.slice(-60);
  c.line.parentNode.style.display = p.length ? '' : 'none';      // no numbers, no sparkline
  if (!p.length) { c.line.setAttribute('points', ''); return; }
  const lo = Math.min(...p), hi = Math.max(...p), span = (hi - lo) || 1;
  c.line.setAttribute('points', p.map((v, i) =>
    ((p.length > 1 ? i / (p.length - 1) : 0.5) * 100).toFixed(2) + ',' + (18 - (v - lo) / span * 16).toFixed(2)).join(' '));
}
function add(c, d, fromHistory) {
  if (d.etag === c.etag) return;
  if (!fromHistory) { c.etag = d.etag; show(c.value, d.value); }
  if (!c.times.length || d.t > c.times[c.times.length - 1]) {
    c.times.push(d.t); if (c.times.length > 20) c.times.shift();
    if (typeof d.value === 'number') { c.points.push(d.value); if (c.points.length > 120) c.points.shift(); }
  }
  draw(c); tick(c);
}
// The key's usual interval: the median gap of its recent datums.
function usual(c) {
  const t = c.times, gaps = [];
  for (let i = 1; i < t.length; i++) gaps.push(t[i] - t[i - 1]);
  if (gaps.length < 2) return null;
  gaps.sort((a, b) => a - b); return gaps[gaps.length >> 1];
}
function tick(c) {
  if (!c.times.length) return;
  const age = Math.max(0, Date.now() / 1000 - SKEW - c.times[c.times.length - 1]), u = usual(c);
  c.ago.textContent = 'updated ' + (age < 90 ? Math.round(age) + ' s' : age < 5400 ? Math.round(age / 60) + ' min'
                                    : Math.round(age / 3600) + ' h') + ' ago';
  c.el.classList.toggle('stale', u !== null && age > 3 * Math.max(u, 0.2));
}
const box = document.getElementById('filter');
function filter(el) { const q = box.value.trim().toLowerCase(); el.hidden = q !== '' && !el.dataset.text.includes(q); }
box.addEventListener('input', () => cards.forEach(c => filter(c.el)));
document.querySelectorAll('#cards .card').forEach(setup);
setInterval(() => cards.forEach(tick), 1000);
const es = new EventSource('/events?keys=*');
es.addEventListener('datum', e => { const d = JSON.parse(e.data); add(card(d.key), d, false); });
es.onopen = () => { state.textContent = 'live'; };
es.onerror = () => { state.textContent = 'reconnecting…'; };
// Sparklines start from each key's history: [{"t", "value", "etag"}, ...], oldest first.
// Two requests at a time (a browser has about six connections per server, one is
// the stream); wait=0 so a server without the history route answers at once.
async function histories(queue) {
  for (let c; (c = queue.shift());) {
    try {
      const r = await fetch('/artcasts/' + c.el.dataset.key + '/history?n=60&wait=0', {cache: 'no-store'});
      if (r.status !== 200) continue;          // no history here: live values only
      const h = await r.json();
      if (!Array.isArray(h)) continue;
      const first = c.times.length ? c.times[0] : Infinity, older = h.filter(d => d && d.t < first);
      c.times = older.map(d => d.t).concat(c.times).slice(-20);
      c.points = older.map(d => d.value).filter(v => typeof v === 'number').concat(c.points).slice(-120);
      draw(c); tick(c);
    } catch (e) { /* live values only */ }
  }
}
const queue = [...cards.values()];
histories(queue); histories(queue);
"""


def dashboard_page(entries, next_after=None):
    """GET /artcasts in a browser: every key, live. `entries` as in the JSON
    listing (one page of it; keys on later pages appear as their values come,
    and `next_after` links the next page with their descriptions)."""
    cards = []
    for entry in entries:
        key = entry["key"]
        meta = meta_paragraphs(entry)
        text = " ".join([key, entry.get("description") or "", entry.get("provenance") or ""])
        cards.append("<article class=\"card\" data-key=\"%s\" data-text=\"%s\"><h2><a href=\"/artcasts/%s\">"
                     "<code>%s</code></a><span class=\"badge\">stale</span></h2><div class=\"value\">–</div>%s</article>"
                     % (escape(key), escape(text.lower()), escape(key), escape(key), "".join(meta)))
    empty = "" if entries else "<p id=\"empty\">No artcasts yet. Start a source (see README).</p>"
    more = ("<p><a id=\"next\" href=\"/artcasts?after=%s\">More artcasts</a></p>" % escape(next_after)
            if next_after is not None else "")
    body = ("<header><h1>Artcasts</h1><input id=\"filter\" type=\"search\" placeholder=\"Filter\" "
            "aria-label=\"Filter keys\"><span id=\"state\">connecting…</span> <a href=\"/devices\">Devices</a> "
            "<a href=\"/status\">Status</a></header>%s<main id=\"cards\">%s</main>%s<script>const SERVER_NOW = %s;%s"
            "</script>" % (empty, "".join(cards), more, repr(round(time.time(), 3)), _DASHBOARD_SCRIPT))
    return _page("Artcasts", body)


_FULL_STYLE = """
html,body{height:100%;margin:0}body{background:#111;color:#f4f4f4;font-family:system-ui,sans-serif;display:flex;
flex-direction:column;align-items:center;justify-content:center;overflow:hidden}
.value{font-size:min(22vw,30vh);font-weight:600;text-align:center;overflow-wrap:anywhere;max-width:96vw;line-height:1.05}
.value.obj,.value:not(.num){font-size:min(9vw,14vh)}.value.obj{font-family:monospace}
.swatch{display:block;width:60vmin;height:60vmin;border-radius:1rem;margin:0 auto 1rem}
#key{position:fixed;bottom:.6rem;left:0;right:0;text-align:center;color:#888;font-size:1rem}
"""

_FULL_SCRIPT = _SHOW + """
const el = document.getElementById('value');
const es = new EventSource('/events?keys=' + KEY);
es.addEventListener('datum', e => show(el, JSON.parse(e.data).value));
"""


def full_page(key, meta):
    """/artcasts/<key>?view=full: the value alone, as large as the screen allows."""
    body = ("<div id=\"value\" class=\"value\">–</div><div id=\"key\">%s</div>"
            "<script>const KEY = %s;%s</script>" % (escape(key), _script_json(key), _FULL_SCRIPT))
    return _page(key, body, _FULL_STYLE)


def qr_svg(request, key):
    """An inline SVG QR code of the key's page on this server, as the browser
    reached it (the Host header), or "" when the Host is not a plain host[:port]."""
    host = request.headers.get("Host", "")
    if not host or len(host) > 255 or not set(host) <= _HOST_CHARS:
        return ""
    import segno   # imported on first use: start-up stays fast
    return segno.make("http://%s/artcasts/%s" % (host, key), error="m").svg_inline(scale=3, title="QR code")


_ROSTER_SCRIPT = """
const tbody = document.getElementById('rows'), counts = document.getElementById('counts');
function cell(tr, text, cls) { const td = document.createElement('td'); td.textContent = text == null ? '' : text;
  if (cls) td.className = cls; tr.append(td); }
function ago(s) { return s == null ? 'never' : s < 90 ? Math.round(s) + ' s ago' : s < 5400 ?
  Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago'; }
async function refresh() {
  try {
    const r = await fetch('/devices?format=json', {cache: 'no-store'}), d = await r.json();
    const up = d.waiting + d.online;
    counts.textContent = d.expected !== null ? d.expected_online + ' of ' + d.expected + ' expected online' +
      ' (' + up + ' online in all, ' + d.offline + ' offline)' : up + ' online, ' + d.offline + ' offline';
    tbody.textContent = '';
    for (const dev of d.devices) {
      const tr = document.createElement('tr'); tr.className = dev.state; tr.dataset.name = dev.name;
      cell(tr, dev.name); cell(tr, dev.state, 'state'); cell(tr, ago(dev.ago)); cell(tr, dev.keys.join(', '));
      cell(tr, dev.fw); cell(tr, dev.rssi == null ? '' : dev.rssi + ' dBm'); cell(tr, dev.address);
      tbody.append(tr);
    }
  } catch (e) { counts.textContent = 'server unreachable, retrying…'; }
}
refresh(); setInterval(refresh, 2000);
"""


def roster_page():
    """GET /devices in a browser: the teacher's and technician's roster, offline first."""
    body = ("<header><h1>Devices</h1><a href=\"/artcasts\">Dashboard</a></header><p id=\"counts\">loading…</p>"
            "<table><thead><tr><th>Name</th><th>State</th><th>Last request</th><th>Keys</th><th>Firmware</th>"
            "<th>RSSI</th><th>Address</th></tr></thead><tbody id=\"rows\"></tbody></table><script>%s</script>"
            % _ROSTER_SCRIPT)
    return _page("Devices", body)


def add_routes(app, hub, settings, devices):
    from artcast_server.app import pick_media

    @app.get("/devices")
    async def devices_route(request):
        media = pick_media(request, (JSON, HTML))
        if media == HTML:
            return roster_page(), 200, {"Content-Type": "text/html; charset=UTF-8", "Cache-Control": "no-store",
                                        "Vary": "Accept"}
        if media == JSON:
            return devices.listing(), 200, {"Cache-Control": "no-store", "Vary": "Accept"}
        return error(406, "Not Acceptable: /devices is offered as application/json or text/html")
