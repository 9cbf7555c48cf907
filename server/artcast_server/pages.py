"""The two HTML pages: the list of artcasts and a live page per key.

No CDN, no framework: one small inline script per page, so a gallery
laptop with no internet shows live values. The live page follows its key
with the same long-poll any device uses (wait=0 first, then ?after=ETag),
and draws a small chart when the values are numbers.

Everything a source registered is shown as text (HTML-escaped, lone
surrogates as U+FFFD): a page never fails on odd text and never renders a
source's markup. A license URI becomes a link only for the schemes in
LINK_SCHEMES; anything else (javascript:, data:, ...) is shown as text.
Pages are returned as UTF-8 bytes.
"""

import json
from html import escape as _escape

LINK_SCHEMES = ("http:", "https:", "mailto:")


def _plain(text):
    """Any registered value as text a page can always encode."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = json.dumps(text)
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def escape(text):
    return _escape(_plain(text))


def link_target(uri):
    r"""The URI as a browser would read it, if its scheme may be a link, else None.

    Browsers drop ASCII tab and newlines anywhere in a URL and C0 controls
    and spaces at its ends, so " java\\tscript:" is javascript: to them: the
    scheme is checked on what the browser would see.

    >>> link_target(" HTTPS://example.org/x "), link_target(" java\tscript:alert(1)")
    ('HTTPS://example.org/x', None)
    """
    if not isinstance(uri, str):
        return None
    seen = _plain(uri).replace("\t", "").replace("\n", "").replace("\r", "")
    seen = seen.strip("".join(chr(c) for c in range(0x21)))
    lower = seen.lower()
    for scheme in LINK_SCHEMES:
        if lower.startswith(scheme):
            return seen
    return None


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:46rem;padding:0 1rem;color:#222}
a{color:#0a5bd3}h1{font-size:1.4rem;font-weight:600}code{font-size:1.05em}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}
.value{font-size:3rem;font-weight:600;margin:1rem 0;word-break:break-all;white-space:pre-wrap}
.meta{color:#555}.state{color:#777;font-size:.9rem}canvas{width:100%;max-width:600px;border:1px solid #eee}
td,h1,p{overflow-wrap:anywhere}.note{background:#fff6d5;padding:.5rem .8rem}
@media (max-width:600px){body{margin:1rem auto}thead{display:none}table,tbody,tr,td{display:block}
tr{border-bottom:1px solid #ddd;padding:.3rem 0}td{border:0;padding:.15rem .2rem}td:empty{display:none}}
"""


def _page(title, body):
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            "<link rel=\"icon\" href=\"data:,\">"
            "<title>%s</title><style>%s</style></head><body>%s</body></html>\n"
            % (escape(title), _STYLE, body)).encode("utf-8", "replace")


def _license_html(meta):
    lic = meta.get("license")
    if not lic or not isinstance(lic, dict):
        return ""
    uri = lic.get("uri")
    title = lic.get("title") or uri
    target = link_target(uri)
    if target is None:
        if title == uri:
            return escape(uri)
        return "%s (<span class=\"uri\">%s</span>)" % (escape(title), escape(uri))
    return "<a href=\"%s\" rel=\"license\">%s</a>" % (escape(target), escape(title))


def meta_paragraphs(meta):
    """A key's registered description, provenance and license as
    <p class="meta"> paragraphs (the live page and the dashboard's cards)."""
    paragraphs = ["<p class=\"meta\">%s</p>" % escape(meta[field])
                  for field in ("description", "provenance") if meta.get(field)]
    licence = _license_html(meta)
    if licence:
        paragraphs.append("<p class=\"meta\">License: %s</p>" % licence)
    return paragraphs


def list_page(entries, next_after=None):
    """`entries` as for GET /artcasts (JSON): dicts with "key" and metadata;
    `next_after`: the last key of this page when more follow."""
    rows = []
    for entry in entries:
        key = entry["key"]
        rows.append("<tr><td><a href=\"/artcasts/%s\"><code>%s</code></a></td><td>%s</td><td>%s</td><td>%s</td></tr>" % (
            escape(key), escape(key), escape(entry.get("description") or ""),
            escape(entry.get("provenance") or ""), _license_html(entry)))
    if not rows:
        rows.append("<tr><td colspan=\"4\">No artcasts yet. Start a source (see README).</td></tr>")
    body = ("<h1>Artcasts</h1><table><thead><tr><th>Key</th><th>Description</th>"
            "<th>Provenance</th><th>License</th></tr></thead><tbody>%s</tbody></table>" % "".join(rows))
    if next_after is not None:
        body += "<p><a id=\"next\" href=\"/artcasts?after=%s\">More artcasts</a></p>" % escape(next_after)
    return _page("Artcasts", body)


_LIVE_SCRIPT = """
const KEY = %s, HOLD = %d;
// This browser names itself in GET /devices (one random name per browser, kept in localStorage).
let DEVICE = '';
try { DEVICE = localStorage.getItem('artcast-device') ||
  ('browser-' + Math.random().toString(36).slice(2, 8)); localStorage.setItem('artcast-device', DEVICE); } catch (e) {}
const valueEl = document.getElementById('value'), stateEl = document.getElementById('state');
const chart = document.getElementById('chart'), points = [];
const unknownEl = document.getElementById('unknown');
const sleep = ms => new Promise(r => setTimeout(r, ms));
function show(v) {
  valueEl.textContent = (typeof v === 'string') ? v : JSON.stringify(v, null, 1);
  if (typeof v === 'number') { points.push(v); if (points.length > 120) points.shift(); draw(); }
}
function draw() {
  chart.hidden = false;
  const c = chart.getContext('2d'), w = chart.width, h = chart.height;
  const lo = Math.min(...points), hi = Math.max(...points), span = (hi - lo) || 1;
  c.clearRect(0, 0, w, h); c.strokeStyle = '#0a5bd3'; c.lineWidth = 2; c.beginPath();
  points.forEach((p, i) => {
    const x = points.length > 1 ? i * (w - 4) / (points.length - 1) + 2 : w / 2;
    const y = h - 14 - (p - lo) / span * (h - 28);
    i ? c.lineTo(x, y) : c.moveTo(x, y);
  });
  c.stroke();
  const last = points.length - 1, lx = last ? w - 2 : w / 2, ly = h - 14 - (points[last] - lo) / span * (h - 28);
  c.fillStyle = '#0a5bd3'; c.beginPath(); c.arc(lx, ly, 3, 0, 2 * Math.PI); c.fill();
  c.fillStyle = '#777'; c.font = '11px sans-serif';
  c.fillText(String(hi), 4, 11); c.fillText(String(lo), 4, h - 2);
}
async function follow() {
  let etag = null, primed = false, delay = 500;
  for (;;) {
    let url = location.pathname + '?format=json&wait=' + (primed ? HOLD : 0);
    // "none" names no datum: one that arrived since our last answer comes at once
    url += '&after=' + encodeURIComponent(etag || (primed ? 'none' : ''));
    if (DEVICE) url += '&device=' + encodeURIComponent(DEVICE);
    try {
      const r = await fetch(url, {cache: 'no-store'});
      if (r.status === 200) {
        etag = r.headers.get('ETag'); show(await r.json());
        if (unknownEl) unknownEl.hidden = true;
        stateEl.textContent = 'live'; delay = 500;
      } else if (r.status === 204) {
        if (!primed) stateEl.textContent = 'waiting for the first value…';
      } else { throw new Error('HTTP ' + r.status); }
      primed = true;
    } catch (e) {
      stateEl.textContent = 'reconnecting… (' + e.message + ')';
      await sleep(delay); delay = Math.min(delay * 2, 10000);
    }
  }
}
follow();
"""


def live_page(key, meta, hold, known=True, close=(), qr=""):
    """A page that shows `key`'s value as it changes. `known`: has the
    server seen the key; if not, the page says so and links the `close`
    keys (likely what was meant). `qr`: an inline SVG QR code of the page."""
    extra = []
    if not known:
        note = "This server has never seen <code>%s</code> (yet)." % escape(key)
        if close:
            note += " Close matches: " + ", ".join(
                "<a href=\"/artcasts/%s\"><code>%s</code></a>" % (escape(k), escape(k)) for k in close)
        else:
            note += " See <a href=\"/artcasts\">all artcasts</a>."
        extra.append("<p id=\"unknown\" class=\"note\">%s</p>" % note)
    extra.extend(meta_paragraphs(meta))
    script = _LIVE_SCRIPT % (json.dumps(key).replace("</", "<\\/"), hold)
    body = ("<p><a href=\"/artcasts\">All artcasts</a></p><h1>Artcast <code>%s</code></h1>%s"
            "<div id=\"value\" class=\"value\">–</div><canvas id=\"chart\" width=\"600\" height=\"160\" hidden></canvas>"
            "<p id=\"state\" class=\"state\">connecting…</p>"
            "<p><a href=\"/artcasts/%s?view=full\">Full screen</a></p>%s<script>%s</script>"
            % (escape(key), "".join(extra), escape(key), "<p class=\"qr\">%s</p>" % qr if qr else "", script))
    return _page("Artcast " + key, body)
