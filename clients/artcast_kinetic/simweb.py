"""The --simulate web page: the same live view as the terminal, in a browser.

A tiny microdot app bound to 127.0.0.1 only (never the network):

    GET /        the page (strips as rows of coloured squares, servo arms
                 drawn at their angle, pins as lamps, PWM as a bar)
    GET /state   PieceRunner.snapshot() as JSON (the page polls it)

    view = WebView(runner, port=8765)
    await view.start()      # returns once listening; view.port is the real port
    ...
    await view.stop()
"""

import asyncio
import logging

from microdot import Microdot

log = logging.getLogger("artcast.kinetic")

HOST = "127.0.0.1"

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>artcast-kinetic: %(name)s</title>
<style>
body{font-family:sans-serif;background:#111;color:#ddd;margin:1.5em}
h1{font-size:1.2em} .out{margin:1em 0;padding:.6em;border:1px solid #333;border-radius:6px}
.meta{color:#999;font-size:.9em} .off{color:#f66} .px{display:inline-block;width:16px;height:16px;margin:1px;border-radius:3px}
.lamp{display:inline-block;width:22px;height:22px;border-radius:50%%;background:#333;vertical-align:middle}
.lamp.on{background:#fc3;box-shadow:0 0 10px #fc3} .bar{background:#333;width:240px;height:12px;display:inline-block}
.bar div{background:#6cf;height:12px} svg line{stroke:#6cf;stroke-width:6;stroke-linecap:round}
</style></head>
<body><h1 id="title">%(name)s</h1><div class="meta" id="server"></div><div id="outs"></div>
<script>
function esc(s){return String(s).replace(/[&<>"]/g,function(c){return {"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c];});}
function show(o){
  var h='<div class="out"><b>'+esc(o.name)+'</b> <span class="meta">'+esc(o.where)+' &middot; '+esc(o.key)+' = '+
        esc(JSON.stringify(o.value))+' &middot; <span class="'+(o.online===false?'off':'')+'">'+
        (o.online===true?'online':o.online===false?'OFFLINE':'waiting')+'</span></span><br>';
  if(o.kind=='neopixel'){o.pixels.forEach(function(p){h+='<span class="px" style="background:'+p.slice(0,7)+'"></span>';});}
  else if(o.kind=='servo'){
    if(o.angle===null){h+='released (no pulses)';}
    else{var t=(o.angle-o.range[0])/(o.range[1]-o.range[0]),a=Math.PI*(1-t);
      h+='<svg width="120" height="66"><line x1="60" y1="60" x2="'+(60+50*Math.cos(a))+'" y2="'+(60-50*Math.sin(a))+'"/></svg> '+
         o.angle.toFixed(1)+'&deg; &middot; '+Math.round(o.pulse_us)+' &micro;s';}}
  else if(o.kind=='pin'){h+='<span class="lamp'+(o.on?' on':'')+'"></span> '+(o.on?'ON':'off')+' (level '+o.level+')';}
  else{h+='<span class="bar"><div style="width:'+(o.duty*100)+'%%"></div></span> '+(o.duty*100).toFixed(1)+'%%';}
  if(o.error){h+='<div class="meta">ignored last value: '+esc(o.error)+'</div>';}
  return h+'</div>';
}
function tick(){fetch('/state').then(function(r){return r.json();}).then(function(s){
  document.getElementById('server').textContent=s.server+' \\u00b7 backend: '+s.backend;
  document.getElementById('outs').innerHTML=s.outputs.map(show).join('');
}).catch(function(){document.getElementById('server').textContent='artcast-kinetic stopped';})
.then(function(){setTimeout(tick,150);});}
tick();
</script></body></html>
"""


def make_app(runner):
    app = Microdot()

    @app.route("/")
    async def index(request):
        name = runner.snapshot()["name"].replace("&", "&amp;").replace("<", "&lt;")
        return PAGE % {"name": name}, 200, {"Content-Type": "text/html; charset=utf-8"}

    @app.route("/state")
    async def state(request):
        return runner.snapshot()

    return app


class WebView:
    def __init__(self, runner, port=8765):
        self.runner = runner
        self.port = port
        self.app = make_app(runner)
        self.server = None
        self.task = None

    async def start(self):
        """Bind 127.0.0.1:port (0 picks a free port) and start serving."""
        self.server = await self.app.start_server(host=HOST, port=self.port, start_serving=False)
        self.port = self.server.sockets[0].getsockname()[1]
        await self.server.start_serving()       # listening now, before the URL is printed
        self.task = asyncio.ensure_future(self.server.serve_forever())
        log.info("live view: http://%s:%d/", HOST, self.port)
        return self

    async def stop(self):
        if self.server is not None:
            self.server.close()
        if self.task is not None:
            self.task.cancel()
            try:
                await self.task
            except (asyncio.CancelledError, Exception):
                pass
