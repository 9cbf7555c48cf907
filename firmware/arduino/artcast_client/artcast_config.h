// Settings for the Artcast sketch: edit the values in this tab.
//
// Every setting is "#ifndef ARTCAST_X / #define ARTCAST_X default", so a
// build can also override them (e.g. -DARTCAST_WIFI_SSID=\"lab\").
//
// The two outputs are written exactly like one entry of a Pi piece file's
// "outputs" list (see clients/README.md, "The piece file"), so the same
// mapping, fade, slew and on_disconnect rules apply. Set one to "" to
// leave that output out.

#ifndef ARTCAST_CONFIG_H
#define ARTCAST_CONFIG_H

// --- your network -------------------------------------------------------
#ifndef ARTCAST_WIFI_SSID
#define ARTCAST_WIFI_SSID "gallery"
#endif
#ifndef ARTCAST_WIFI_PASSWORD
#define ARTCAST_WIFI_PASSWORD "change-me"
#endif
// Wi-Fi power saving (modem sleep). 0 (default, mains-powered kits): off,
// every value arrives in milliseconds. 1 (battery kits): the radio sleeps
// between beacons, saving power but adding tens to hundreds of ms per value.
#ifndef ARTCAST_WIFI_SLEEP
#define ARTCAST_WIFI_SLEEP 0
#endif
// The board's name on the network (shows in the router's client list) and in
// the server's /devices roster: give each kit of a class its own name.
#ifndef ARTCAST_HOSTNAME
#define ARTCAST_HOSTNAME "artcast-arduino"
#endif

// --- the server -----------------------------------------------------------
// A name ending in .local is looked up with mDNS (a Raspberry Pi announces
// itself as <hostname>.local); an IP address works everywhere.
#ifndef ARTCAST_SERVER
#define ARTCAST_SERVER "http://artcast.local:8888"
#endif

// --- the NeoPixel strip (data on GPIO16) ----------------------------------
// test/tick counts up once a second; "modulo": 60 makes the colour cycle
// blue -> green -> red -> blue once a minute.
#ifndef ARTCAST_STRIP
#define ARTCAST_STRIP                                                          \
  "{\"key\": \"test/tick\","                                                 \
  " \"device\": {\"type\": \"neopixel\", \"pin\": 16, \"count\": 8,"          \
  " \"brightness\": 0.3},"                                                    \
  " \"mapping\": {\"type\": \"gradient\", \"from\": [0, 60], \"modulo\": 60," \
  " \"palette\": [\"#0000ff\", \"#00ff00\", \"#ff0000\", \"#0000ff\"]},"      \
  " \"motion\": {\"fade\": 0.5},"                                             \
  " \"on_disconnect\": {\"action\": \"hold\", \"status_pixel\": 0}}"
#endif

// --- the servo (signal on GPIO17) -------------------------------------------
#ifndef ARTCAST_SERVO
#define ARTCAST_SERVO                                                          \
  "{\"key\": \"test/tick\","                                                 \
  " \"device\": {\"type\": \"servo\", \"pin\": 17},"                          \
  " \"mapping\": {\"type\": \"linear\", \"from\": [0, 60], \"modulo\": 60},"  \
  " \"motion\": {\"slew\": 60}}"
#endif

// --- power (optional) -------------------------------------------------------
// Amps your strip's 5 V supply can give (0 = do not cap). The sketch then
// limits brightness so full white never overloads it (20 % margin).
#ifndef ARTCAST_SUPPLY_AMPS
#define ARTCAST_SUPPLY_AMPS 0
#endif
#ifndef ARTCAST_RESERVE_AMPS
#define ARTCAST_RESERVE_AMPS 0.25  // the ESP32 itself, when on the same supply
#endif

// --- protocol (rarely changed) ------------------------------------------------
// Seconds the server holds a request; keep below its --poll-timeout (25).
#ifndef ARTCAST_HOLD
#define ARTCAST_HOLD 20
#endif
// 1: ask for ?format=text (bare values, no JSON needed by the server's
// answer for numbers and plain strings); 0: JSON (exact: tells the string
// "12" from the number 12, as the shared mapping rules require).
#ifndef ARTCAST_FORMAT_TEXT
#define ARTCAST_FORMAT_TEXT 0
#endif
// 1: keep the connection open between polls (HTTP/1.1 keep-alive: no TCP
// handshake per value over Wi-Fi), reconnecting when the server closes it;
// 0: a new connection per poll, "Connection: close" (the 2012 way).
#ifndef ARTCAST_KEEP_ALIVE
#define ARTCAST_KEEP_ALIVE 1
#endif
// Largest answer read (bytes); bigger ones are refused.
#ifndef ARTCAST_MAX_RESPONSE
#define ARTCAST_MAX_RESPONSE 1024
#endif
// How often the server's clock is sampled for play-at, once in use (ms).
#ifndef ARTCAST_CLOCK_INTERVAL_MS
#define ARTCAST_CLOCK_INTERVAL_MS 60000UL
#endif
// Frames per second for fades and servo slews.
#ifndef ARTCAST_FRAME_MS
#define ARTCAST_FRAME_MS 20
#endif

#endif
