"""GET /artcasts/<key>/control: a phone-friendly page that publishes values.

The page picks its control from the key's registration and current value:

    registration "choices": [...]        one button per choice
    a number, or "min"/"max" registered  a slider (range from min/max; "unit" shown)
    "#rrggbb" string                     a colour picker
    true/false                           a toggle
    anything else                        a text box (JSON or plain text)

It sends `POST /artcasts/<key>` with `Authorization: Bearer <token>`; the
token is typed once and kept in the browser's localStorage. A slider sends
at most every 100 ms while it moves (and its final position), under the
server's default --publish-rate. It also follows the key by long-poll, so a
value sent from elsewhere shows up. No CDN; every text is set with
textContent, never as markup.
"""

import json
from html import escape

from artcast_server.pages import _page

_STYLE = """
.row{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;margin:.8rem 0}
input[type=range]{width:100%}input[type=text],input[type=password]{flex:1;min-width:8rem;font-size:1rem;padding:.4rem}
button{font-size:1.1rem;padding:.6rem 1rem;border-radius:.4rem;border:1px solid #0a5bd3;background:#fff;color:#0a5bd3}
button.on{background:#0a5bd3;color:#fff}#colour{width:100%;height:4rem}
.ok{color:#176d2c}.bad{color:#b00020}
"""

_SCRIPT = """
const KEY = %s, META = %s, HOLD = %d;
const $ = id => document.getElementById(id);
const tokenBox = $('token'), result = $('result'), current = $('current'), area = $('control');
const STORE = 'artcast-token';
tokenBox.value = localStorage.getItem(STORE) || '';
tokenBox.addEventListener('change', () => localStorage.setItem(STORE, tokenBox.value.trim()));
$('forget').addEventListener('click', () => { localStorage.removeItem(STORE); tokenBox.value = ''; });
function say(text, good) { result.textContent = text; result.className = good ? 'ok' : 'bad'; }
let sending = false, queued;
async function publish(value) {
  if (sending) { queued = {value}; return; }
  sending = true;
  try {
    const token = tokenBox.value.trim() || localStorage.getItem(STORE) || '';
    const r = await fetch('/artcasts/' + KEY, {method: 'POST', cache: 'no-store',
      headers: {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + token},
      body: JSON.stringify(value)});
    if (r.status === 202) { say('sent ' + JSON.stringify(value), true); localStorage.setItem(STORE, token); }
    else { say('not sent (' + r.status + '): ' + (await r.text()).trim(), false); }
  } catch (e) { say('not sent: ' + e.message, false); }
  await new Promise(r => setTimeout(r, 100));
  sending = false;
  if (queued) { const q = queued; queued = undefined; publish(q.value); }
}
function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}
let widget = null;
function build(value) {
  area.replaceChildren();
  const unit = typeof META.unit === 'string' ? ' ' + META.unit : '';
  if (Array.isArray(META.choices) && META.choices.length) {
    const row = el('div', {class: 'row'});
    META.choices.forEach(c => { const b = el('button', {}, typeof c === 'string' ? c : JSON.stringify(c));
      b.addEventListener('click', () => publish(c)); row.append(b); });
    area.append(row); widget = {kind: 'choices', show() {}};
  } else if (typeof value === 'number' || typeof META.min === 'number' || typeof META.max === 'number') {
    const min = typeof META.min === 'number' ? META.min : Math.min(0, value || 0);
    const max = typeof META.max === 'number' ? META.max : Math.max(100, value || 0);
    const span = max - min, step = (Number.isInteger(min) && Number.isInteger(max) && span >= 10) ? 1 : span / 100;
    const s = el('input', {id: 'slider', type: 'range', min, max, step});
    const label = el('div', {class: 'value', id: 'slider-value'});
    s.value = typeof value === 'number' ? value : min; label.textContent = s.value + unit;
    s.addEventListener('input', () => { label.textContent = s.value + unit; publish(Number(s.value)); });
    area.append(label, s); widget = {kind: 'slider', show(v) { if (typeof v === 'number') { s.value = v; label.textContent = v + unit; } }};
  } else if (typeof value === 'string' && /^#[0-9a-fA-F]{6}$/.test(value)) {
    const c = el('input', {id: 'colour', type: 'color'}); c.value = value.toLowerCase();
    c.addEventListener('input', () => publish(c.value));
    area.append(c); widget = {kind: 'colour', show(v) { if (/^#[0-9a-fA-F]{6}$/.test(v)) c.value = v.toLowerCase(); }};
  } else if (typeof value === 'boolean') {
    const b = el('button', {id: 'toggle'}); let state = value;
    const paint = () => { b.textContent = state ? 'on' : 'off'; b.className = state ? 'on' : ''; };
    b.addEventListener('click', () => { state = !state; paint(); publish(state); }); paint();
    area.append(b); widget = {kind: 'toggle', show(v) { if (typeof v === 'boolean') { state = v; paint(); } }};
  } else {
    const row = el('div', {class: 'row'}), t = el('input', {id: 'text', type: 'text', placeholder: 'a value: 42, "text", {"a": 1}'});
    const b = el('button', {}, 'Send');
    const send = () => { let v; try { v = JSON.parse(t.value); } catch (e) { v = t.value; } publish(v); };
    b.addEventListener('click', send); t.addEventListener('keydown', e => { if (e.key === 'Enter') send(); });
    row.append(t, b); area.append(row); widget = {kind: 'text', show() {}};
  }
  document.body.dataset.control = widget.kind;
}
async function follow() {
  let etag = null, primed = false, delay = 500;
  for (;;) {
    let url = '/artcasts/' + KEY + '?format=json&wait=' + (primed ? HOLD : 0) + '&after=' + encodeURIComponent(etag || (primed ? 'none' : ''));
    try {
      const r = await fetch(url, {cache: 'no-store'});
      if (r.status === 200) {
        etag = r.headers.get('ETag'); const v = await r.json();
        current.textContent = 'now: ' + JSON.stringify(v);
        if (!widget) build(v); else widget.show(v);
        delay = 500;
      } else if (r.status === 204) { if (!widget) build(undefined); }
      else throw new Error('HTTP ' + r.status);
      primed = true;
    } catch (e) { current.textContent = 'reconnecting… (' + e.message + ')'; await new Promise(r => setTimeout(r, delay)); delay = Math.min(delay * 2, 10000); }
  }
}
follow();
"""


def _script_json(value):
    """JSON safe to put inside a <script> element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def control_page(key, meta, hold):
    """The control page for `key`; `meta` is its registration (may be empty)."""
    hints = {}
    for field in ("unit", "min", "max", "choices"):
        if field in meta:
            hints[field] = meta[field]
    described = "<p class=\"meta\">%s</p>" % escape(meta["description"]) if meta.get("description") else ""
    body = ("<p><a href=\"/artcasts/%s\">Live view</a> · <a href=\"/artcasts\">All artcasts</a></p>"
            "<h1>Control <code>%s</code></h1>%s<style>%s</style>"
            "<div id=\"control\"></div><p id=\"current\" class=\"state\">connecting…</p>"
            "<p id=\"result\" class=\"state\"></p>"
            "<div class=\"row\"><input id=\"token\" type=\"password\" autocomplete=\"off\" "
            "placeholder=\"publish token\" aria-label=\"publish token\"><button id=\"forget\">Forget</button></div>"
            "<script>%s</script>"
            % (escape(key), escape(key), described, _STYLE,
               _SCRIPT % (_script_json(key), _script_json(hints), hold)))
    return _page("Control " + key, body)
