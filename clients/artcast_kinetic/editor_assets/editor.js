// The piece editor: a form over the piece's JSON. Everything it checks or
// shows comes from its host (artcast-kinetic --edit, or artcast-server
// --pieces at /pieces/): api/validate runs the shared core's checker and
// the board's pin table, api/preview runs the real piece runtime on the
// simulator. No markup is built from text: every text goes in by
// textContent or an input's value.
"use strict";
window.artcastErrors = [];
window.addEventListener("error", function (e) {
  // A bug in the page: say so where the user looks, never silently.
  window.artcastErrors.push(String(e.message));
  var st = document.getElementById("save-status");
  if (st) { st.textContent = "editor error: " + e.message; st.className = "error"; }
});
(function () {
  var info = null;          // api/info: mode, boards, fits, names
  var piece = null;         // the piece being edited (plain JSON)
  var name = null;          // server mode: the piece file's name
  var board = "pi";
  var keys = [];            // api/keys: the server's live list
  var recent = {};          // key -> [[etag, value], ...] newest last
  var timer = null;
  var seq = 0;

  var DEVICE_TYPES = ["neopixel", "servo", "pin", "pwm"];
  var ORDERS = ["GRB", "RGB", "RBG", "GBR", "BRG", "BGR", "GRBW", "RGBW", "RBGW", "GBRW", "BRGW", "BGRW"];

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in (attrs || {})) { e.setAttribute(k, attrs[k]); }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function api(path, method, body) {
    var opts = {method: method || "GET", headers: {}};
    var token = $("token") ? $("token").value : "";
    if (token && method === "PUT") { opts.headers["Authorization"] = "Bearer " + token; }
    if (body !== undefined) {
      opts.body = JSON.stringify(body);
      opts.headers["Content-Type"] = "application/json";
    }
    return fetch("api/" + path, opts).then(function (r) {
      return r.json().then(function (j) { j._status = r.status; return j; });
    });
  }

  // ---- form building ---------------------------------------------------------

  function row(parent, label, path, input) {
    var r = el("div", {"class": "row"});
    var l = el("label", {}, label);
    r.appendChild(l);
    if (input) {
      input.setAttribute("data-path", path);
      input.id = "f-" + path.replace(/[^A-Za-z0-9]/g, "_");
      l.setAttribute("for", input.id);
      r.appendChild(input);
    }
    r.appendChild(el("div", {"class": "msg", "data-for": path}));
    parent.appendChild(r);
    return r;
  }
  function textInput(value, set) {
    var i = el("input", {type: "text"});
    i.value = value === undefined || value === null ? "" : String(value);
    i.addEventListener("change", function () { set(i.value === "" ? undefined : i.value); changed(false); });
    return i;
  }
  function numberInput(value, set, step) {
    var i = el("input", {type: "number", step: step || "any"});
    i.value = value === undefined || value === null ? "" : String(value);
    i.addEventListener("change", function () {
      set(i.value === "" ? undefined : Number(i.value)); changed(false);
    });
    return i;
  }
  function selectInput(options, value, set, structural) {
    var s = el("select");
    options.forEach(function (o) {
      var opt = el("option", {value: String(o[0])}, o[1]);
      if (o[2]) { opt.className = o[2]; }
      s.appendChild(opt);
    });
    s.value = value === undefined || value === null ? "" : String(value);
    s.addEventListener("change", function () { set(s.value); changed(structural); });
    return s;
  }
  function put(obj, field, value) {
    if (value === undefined) { delete obj[field]; } else { obj[field] = value; }
  }
  function colourText(c) {
    if (typeof c === "string" && /^#[0-9a-fA-F]{6}/.test(c)) { return c.slice(0, 7).toLowerCase(); }
    if (Array.isArray(c) && c.length >= 3) {
      return "#" + c.slice(0, 3).map(function (x) { return ("0" + (Number(x) & 255).toString(16)).slice(-2); }).join("");
    }
    return "#000000";
  }
  function colourInput(value, set) {
    var i = el("input", {type: "color"});
    i.value = colourText(value);
    i.addEventListener("input", function () { set(i.value); changed(false); });
    return i;
  }
  function pairRow(parent, label, path, obj, field, fallback) {
    var pair = Array.isArray(obj[field]) ? obj[field] : null;
    var wrap = el("span");
    var a = numberInput(pair ? pair[0] : "", function () {}, "any");
    var b = numberInput(pair ? pair[1] : "", function () {}, "any");
    if (!pair && fallback) { a.placeholder = String(fallback[0]); b.placeholder = String(fallback[1]); }
    function update() {
      if (a.value === "" && b.value === "") { delete obj[field]; }
      else { obj[field] = [a.value === "" ? null : Number(a.value), b.value === "" ? null : Number(b.value)]; }
    }
    a.addEventListener("change", update); b.addEventListener("change", update);
    a.setAttribute("data-path", path + "[0]"); b.setAttribute("data-path", path + "[1]");
    wrap.appendChild(a); wrap.appendChild(el("span", {}, " to ")); wrap.appendChild(b);
    var r = row(parent, label, path, null);
    r.insertBefore(wrap, r.lastChild);
    wrap.setAttribute("data-path", path);
    return r;
  }

  function pinOptions(dev) {
    var table = info.boards[board];
    var opts = [];
    table.pins.forEach(function (p) {
      var mark = p.level === "error" ? " \u2716 " : p.level === "warning" ? " \u26a0 " : "";
      opts.push([p.gpio, "GPIO " + p.gpio + mark + (p.note ? " " + p.note : ""), p.level]);
    });
    if (typeof dev.pin === "number" && !table.pins.some(function (p) { return p.gpio === dev.pin; })) {
      opts.push([dev.pin, "GPIO " + dev.pin + " (not on this board)", "error"]);
    }
    return [["", "(choose a pin)"]].concat(opts);
  }

  function keyInfo(key) {
    for (var i = 0; i < keys.length; i++) { if (keys[i].key === key) { return keys[i]; } }
    return null;
  }

  function buildDevice(box, out, p) {
    var dev = out.device = (out.device && typeof out.device === "object") ? out.device : {type: "neopixel"};
    row(box, "Device", p + ".device.type", selectInput(DEVICE_TYPES.map(function (t) { return [t, t]; }), dev.type,
      function (v) { out.device = {type: v, pin: dev.pin}; if (v === "neopixel") { out.device.count = 30; }
                     var fits = info.fits[v]; if (out.mapping && fits.indexOf(out.mapping.type) < 0) { out.mapping = {type: fits[0]}; }
                     delete out.motion; }, true));
    if (!(dev.type === "servo" && dev.pca9685)) {
      row(box, "Pin", p + ".device.pin", selectInput(pinOptions(dev), dev.pin,
        function (v) { put(dev, "pin", v === "" ? undefined : Number(v)); }, false));
    }
    if (dev.type === "neopixel") {
      row(box, "Pixels", p + ".device.count", numberInput(dev.count, function (v) { put(dev, "count", v); }, "1"));
      row(box, "Colour order", p + ".device.order", selectInput(ORDERS.map(function (o) { return [o, o]; }), dev.order || "GRB",
        function (v) { dev.order = v; }, false));
      row(box, "Brightness", p + ".device.brightness", numberInput(dev.brightness, function (v) { put(dev, "brightness", v); }, "0.05"));
    } else if (dev.type === "servo") {
      pairRow(box, "Angle range", p + ".device.angle", dev, "angle", [0, 180]);
      pairRow(box, "Pulse (\u00b5s)", p + ".device.pulse", dev, "pulse", [1000, 2000]);
    } else if (dev.type === "pin") {
      var cb = el("input", {type: "checkbox"});
      cb.checked = !!dev.active_low;
      cb.addEventListener("change", function () { put(dev, "active_low", cb.checked || undefined); changed(false); });
      row(box, "Active low", p + ".device.active_low", cb);
    } else {
      row(box, "Frequency (Hz)", p + ".device.frequency", numberInput(dev.frequency, function (v) { put(dev, "frequency", v); }));
    }
  }

  function buildPalette(box, path, m, field) {
    var list = Array.isArray(m[field]) ? m[field] : (m[field] = ["#0000ff", "#ff0000"]);
    var r = row(box, "Palette", path, null);
    var wrap = el("span", {"class": "palette", "data-path": path});
    list.forEach(function (c, j) {
      var ci = colourInput(c, function (v) { list[j] = v; });
      ci.setAttribute("data-path", path + "[" + j + "]");
      wrap.appendChild(ci);
    });
    var add = el("button", {type: "button", "class": "add-colour"}, "+");
    add.addEventListener("click", function () { list.push("#ffffff"); changed(true); });
    var del = el("button", {type: "button", "class": "remove-colour"}, "\u2212");
    del.addEventListener("click", function () { if (list.length > 1) { list.pop(); changed(true); } });
    wrap.appendChild(add); wrap.appendChild(del);
    r.insertBefore(wrap, r.lastChild);
  }

  function buildMapping(box, out, p) {
    var dev = out.device;
    var fits = info.fits[dev.type] || [];
    var m = out.mapping = (out.mapping && typeof out.mapping === "object") ? out.mapping : {type: fits[0]};
    var mp = p + ".mapping";
    row(box, "Mapping", mp + ".type", selectInput(fits.map(function (t) { return [t, t]; }), m.type,
      function (v) { out.mapping = {type: v}; }, true));
    var k = keyInfo(out.key);
    var range = k && typeof k.min === "number" && typeof k.max === "number" ? [k.min, k.max] : null;
    if (m.type === "linear" || m.type === "gradient" || m.type === "bar") {
      if (!m.from && range) { m.from = range.slice(); }
      pairRow(box, "From (value)", mp + ".from", m, "from", range || [0, 100]);
    }
    if (m.type === "linear") {
      pairRow(box, dev.type === "servo" ? "To (degrees)" : "To (level 0-1)", mp + ".to", m, "to",
              dev.type === "servo" ? [0, 180] : [0, 1]);
    }
    if (m.type === "gradient") { buildPalette(box, mp + ".palette", m, "palette"); }
    if (m.type === "bar") {
      if (Array.isArray(m.palette)) { buildPalette(box, mp + ".palette", m, "palette"); }
      else { row(box, "Colour", mp + ".colour", colourInput(m.colour || "#ffffff", function (v) { m.colour = v; })); }
      row(box, "Background", mp + ".background", colourInput(m.background || "#000000", function (v) { m.background = v; }));
    }
    if (m.type === "threshold") {
      row(box, "Above", mp + ".above", numberInput(m.above, function (v) { put(m, "above", v); }));
      row(box, "Hysteresis", mp + ".hysteresis", numberInput(m.hysteresis, function (v) { put(m, "hysteresis", v); }));
      ["on", "off"].forEach(function (f) {
        var input;
        if (dev.type === "neopixel") { input = colourInput(m[f] || (f === "on" ? "#ffffff" : "#000000"), function (v) { m[f] = v; }); }
        else if (dev.type === "pin") { input = selectInput([["", "(default)"], ["true", "on"], ["false", "off"]],
          m[f] === undefined ? "" : String(m[f]), function (v) { put(m, f, v === "" ? undefined : v === "true"); }, false); }
        else { input = numberInput(m[f], function (v) { put(m, f, v); }); }
        row(box, f === "on" ? "When above" : "Otherwise", mp + "." + f, input);
      });
    }
    if (m.type !== "direct") {
      row(box, "Modulo", mp + ".modulo", numberInput(m.modulo, function (v) { put(m, "modulo", v); }));
    }
  }

  function buildMotion(box, out, p) {
    var dev = out.device;
    if (dev.type === "pin") { return; }
    var field = dev.type === "servo" ? "slew" : "fade";
    var motion = out.motion && typeof out.motion === "object" ? out.motion : {};
    row(box, dev.type === "servo" ? "Slew (\u00b0/s)" : "Fade (s)", p + ".motion." + field,
        numberInput(motion[field], function (v) {
          put(motion, field, v);
          if (Object.keys(motion).length) { out.motion = motion; } else { delete out.motion; }
        }));
  }

  function buildDisconnect(box, out, p) {
    var od = out.on_disconnect;
    var obj = od && typeof od === "object" ? od : {action: od || "hold"};
    function store() {
      if (obj.status_pixel === undefined) { out.on_disconnect = obj.action; } else { out.on_disconnect = obj; }
    }
    row(box, "On disconnect", p + ".on_disconnect", selectInput([["hold", "hold the last state"], ["safe", "go safe (dark, off)"]],
        obj.action || "hold", function (v) { obj.action = v; store(); }, false));
    if (out.device.type === "neopixel") {
      var sp = obj.status_pixel;
      var idx = sp === undefined ? undefined : (typeof sp === "number" ? sp : sp.index);
      row(box, "Status pixel", p + ".on_disconnect.status_pixel.index", numberInput(idx, function (v) {
        if (v === undefined) { delete obj.status_pixel; }
        else { obj.status_pixel = {index: v, colour: (sp && sp.colour) || "#ff0000"}; }
        store();
      }, "1"));
    }
  }

  function buildOutput(i, out) {
    var p = "outputs[" + i + "]";
    var box = el("fieldset", {"class": "output", "data-index": String(i)});
    box.appendChild(el("legend", {}, "Output " + (i + 1) + (out.name ? ": " + out.name : "")));
    var tools = el("div", {"class": "row"});
    [["\u2191", "up", -1], ["\u2193", "down", 1]].forEach(function (b) {
      var btn = el("button", {type: "button", "class": "move-" + b[1], title: "move " + b[1]}, b[0]);
      btn.addEventListener("click", function () {
        var j = i + b[2];
        if (j < 0 || j >= piece.outputs.length) { return; }
        var t = piece.outputs[i]; piece.outputs[i] = piece.outputs[j]; piece.outputs[j] = t;
        changed(true);
      });
      tools.appendChild(btn);
    });
    var rm = el("button", {type: "button", "class": "remove"}, "Remove");
    rm.addEventListener("click", function () { piece.outputs.splice(i, 1); changed(true); });
    tools.appendChild(rm);
    box.appendChild(tools);
    box.appendChild(el("div", {"class": "msg", "data-for": p}));
    row(box, "Name", p + ".name", textInput(out.name, function (v) { put(out, "name", v); }));
    var key = textInput(out.key, function (v) { put(out, "key", v); });
    key.setAttribute("list", "keys");
    key.addEventListener("change", function () { changed(true); });
    var kr = row(box, "Key", p + ".key", key);
    var now = el("span", {"class": "meta current", "data-key": out.key || ""});
    kr.insertBefore(now, kr.lastChild);
    row(box, "Field (a.b.0)", p + ".field", textInput(out.field, function (v) { put(out, "field", v); }));
    buildDevice(box, out, p);
    buildMapping(box, out, p);
    buildMotion(box, out, p);
    buildDisconnect(box, out, p);
    var pv = el("div", {"class": "output-preview", "data-index": String(i)});
    box.appendChild(pv);
    return box;
  }

  function build() {
    var top = $("top-fields");
    top.textContent = "";
    row(top, "Board", "_board", selectInput(Object.keys(info.boards).map(function (b) { return [b, info.boards[b].title]; }),
        board, function (v) { board = v; }, true));
    row(top, "Piece name", "name", textInput(piece.name, function (v) { put(piece, "name", v); }));
    if (info.mode === "file" || piece.server !== undefined) {
      row(top, "Server", "server", textInput(piece.server, function (v) { put(piece, "server", v); }));
    }
    row(top, "Hold (s)", "hold", numberInput(piece.hold, function (v) { put(piece, "hold", v); }, "1"));
    var outs = $("outputs");
    outs.textContent = "";
    if (!Array.isArray(piece.outputs)) { piece.outputs = []; }
    piece.outputs.forEach(function (out, i) {
      if (!out || typeof out !== "object") { out = piece.outputs[i] = {}; }
      outs.appendChild(buildOutput(i, out));
    });
    outs.appendChild(el("div", {"class": "msg", "data-for": "outputs"}));
    showValues();
  }

  // ---- checks, preview, values -------------------------------------------------

  function changed(structural) {
    if (structural) { build(); }
    $("save-status").textContent = "unsaved changes";
    $("save-status").className = "";
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  }

  function placeFor(path) {
    // The field the message names, else its nearest enclosing field.
    var p = path;
    while (p) {
      var m = document.querySelector('.msg[data-for="' + CSS.escape(p) + '"]');
      if (m) { return m; }
      var cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
      if (cut <= 0) { break; }
      p = p.slice(0, cut);
    }
    return $("general-messages");
  }

  function showMessages(messages) {
    document.querySelectorAll(".msg").forEach(function (m) { m.textContent = ""; m.className = "msg"; });
    $("general-messages").textContent = "";
    if (!messages.length) { $("general-messages").textContent = "No problems found."; }
    else {
      var errors = messages.filter(function (m) { return m.level === "error"; }).length;
      $("general-messages").appendChild(el("div", {"class": "meta"}, errors + " error(s), " + (messages.length - errors) +
                                           " warning(s), each shown at its field" + (errors ? "; errors block saving" : "")));
    }
    messages.forEach(function (m) {
      var place = placeFor(m.path);
      var line = el("div", {"class": "msg " + m.level, "data-path": m.path},
                    (m.level === "warning" ? "\u26a0 " : "\u2716 ") + (place.id === "general-messages" && m.path ? m.path + ": " : "") + m.message);
      if (place.id === "general-messages") { place.appendChild(line); }
      else { place.appendChild(line); place.className = "msg " + m.level; }
    });
  }

  function check() {
    var mine = ++seq;
    api("validate?board=" + encodeURIComponent(board), "POST", {piece: piece}).then(function (r) {
      if (mine === seq) { showMessages(r.messages || []); }
    });
    preview();
  }

  function previewValues() {
    var vals = [];
    (piece.outputs || []).forEach(function (o) {
      (recent[o.key] || []).forEach(function (r) { vals.push([o.key, r[1], r[2]]); });
    });
    vals.sort(function (a, b) { return a[2] - b[2]; });
    return vals.slice(-20).map(function (v) { return [v[0], v[1]]; });
  }

  function drawState(o) {
    var d = el("div", {"class": "state"});
    if (o.kind === "neopixel") {
      (o.pixels || []).slice(0, 300).forEach(function (px) {
        var s = el("span", {"class": "px"});
        if (/^#[0-9a-f]{6}/.test(px)) { s.style.background = px.slice(0, 7); }
        s.title = px;
        d.appendChild(s);
      });
    } else if (o.kind === "servo") {
      d.textContent = o.angle === null ? "released" : (Math.round(o.angle * 10) / 10) + "\u00b0";
    } else if (o.kind === "pin") {
      d.appendChild(el("span", {"class": "lamp" + (o.on ? " on" : "")}));
      d.appendChild(document.createTextNode(o.on ? " on" : " off"));
    } else {
      var bar = el("span", {"class": "bar"}), fill = el("div");
      fill.style.width = Math.max(0, Math.min(100, o.duty * 100)) + "%";
      bar.appendChild(fill); d.appendChild(bar);
      d.appendChild(document.createTextNode(" " + (o.duty * 100).toFixed(1) + "%"));
    }
    if (o.error) { d.appendChild(el("div", {"class": "msg error"}, "value not shown: " + o.error)); }
    return d;
  }

  function preview() {
    var vals = previewValues();
    var box = $("preview");
    if (!vals.length) { box.textContent = "No value yet for the piece's keys."; return; }
    var mine = seq;
    api("preview", "POST", {piece: piece, values: vals}).then(function (r) {
      if (mine !== seq) { return; }
      box.textContent = "";
      if (!r.ok) { box.appendChild(el("div", {"class": "msg error"}, "fix the piece to preview it: " + (r.message || ""))); return; }
      var last = r.steps[r.steps.length - 1];
      box.appendChild(el("div", {"class": "meta"}, "after " + r.steps.length + " recent value(s); latest " +
                         last.key + " = " + JSON.stringify(last.value).slice(0, 80)));
      last.outputs.forEach(function (o, i) {
        var item = el("div", {"class": "step", "data-index": String(i)});
        item.appendChild(el("b", {}, (i + 1) + ". " + o.name));
        item.appendChild(drawState(o));
        box.appendChild(item);
        var inForm = document.querySelector('.output-preview[data-index="' + i + '"]');
        if (inForm) { inForm.textContent = ""; inForm.appendChild(drawState(o)); }
      });
    });
  }

  function showValues() {
    document.querySelectorAll(".current").forEach(function (s) {
      var r = recent[s.getAttribute("data-key")];
      s.textContent = r && r.length ? "now: " + JSON.stringify(r[r.length - 1][1]).slice(0, 60) : "";
    });
  }

  function pollValues() {
    var wanted = {};
    (piece && piece.outputs || []).forEach(function (o) { if (o && typeof o.key === "string" && o.key) { wanted[o.key] = 1; } });
    var ks = Object.keys(wanted).slice(0, 16);
    Promise.all(ks.map(function (k) {
      return api("value?key=" + encodeURIComponent(k)).then(function (r) {
        if (!r.has_value) { return false; }
        var list = recent[k] = recent[k] || [];
        if (list.length && list[list.length - 1][0] === r.etag) { return false; }
        list.push([r.etag, r.value, Date.now()]);
        if (list.length > 20) { list.shift(); }
        return true;
      }).catch(function () { return false; });
    })).then(function (news) {
      if (news.some(function (x) { return x; })) { showValues(); preview(); }
      setTimeout(pollValues, 1000);
    });
  }

  function loadKeys() {
    api("keys").then(function (r) {
      keys = r.keys || [];
      var dl = $("keys");
      dl.textContent = "";
      keys.forEach(function (k) {
        dl.appendChild(el("option", {value: k.key}, k.description || ""));
      });
    }).catch(function () {});
  }

  // ---- loading and saving ------------------------------------------------------

  function load(which) {
    api("piece" + (which ? "?name=" + encodeURIComponent(which) : "")).then(function (r) {
      name = r.name;
      piece = r.piece && typeof r.piece === "object" ? r.piece : {outputs: []};
      if (r.board) { board = r.board; }
      $("where").textContent = (info.mode === "server" ? "piece " : "file ") + r.name + (r.error ? " (" + r.error + ")" : "");
      build();
      check();
      $("save-status").textContent = r.exists ? "" : "new piece (not saved yet)";
    });
  }

  function devicesTable() {
    var body = document.querySelector("#devices tbody");
    body.textContent = "";
    $("devices").className = (info.devices || []).length ? "" : "none";
    (info.devices || []).forEach(function (d) {
      var tr = el("tr");
      tr.appendChild(el("td", {}, d.device));
      tr.appendChild(el("td", {}, d.piece || "(none)"));
      tr.appendChild(el("td", {}, d.board));
      tr.appendChild(el("td", {"class": "msg error"}, d.problem || ""));
      body.appendChild(tr);
    });
  }

  $("add-output").addEventListener("click", function () {
    var first = info.fits.neopixel[0] === "threshold" ? "bar" : info.fits.neopixel[0];
    piece.outputs.push({key: keys.length ? keys[0].key : "", device: {type: "neopixel", count: 30},
                        mapping: {type: first, from: [0, 100]}});
    changed(true);
  });
  $("save").addEventListener("click", function () {
    var st = $("save-status");
    st.textContent = "saving\u2026";
    var q = "?board=" + encodeURIComponent(board) + (name ? "&name=" + encodeURIComponent(name) : "");
    api("piece" + q, "PUT", piece).then(function (r) {
      if (r.ok) { st.textContent = "saved"; st.className = "saved"; }
      else { st.textContent = "not saved: " + (r.message || "fix the marked fields"); st.className = "error"; }
      if (r.messages) { showMessages(r.messages); }
    }).catch(function (e) { st.textContent = "not saved: " + e; st.className = "error"; });
  });
  $("new-piece").addEventListener("click", function () {
    var n = $("new-name").value.trim();
    if (n) { load(n); }
  });
  $("piece-name").addEventListener("change", function () { load($("piece-name").value); });

  api("info").then(function (r) {
    info = r;
    board = r.board || board;
    if (r.mode === "server") {
      $("chooser").hidden = false;
      r.pieces.forEach(function (p) { $("piece-name").appendChild(el("option", {value: p}, p)); });
      devicesTable();
    }
    loadKeys();
    load(r.mode === "server" ? (r.pieces[0] || "_default") : null);
    pollValues();
  });
  window.artcastEditor = {piece: function () { return piece; }, recent: recent, check: check};
})();
