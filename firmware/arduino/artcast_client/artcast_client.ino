// Artcast client for the ESP32, for the Arduino IDE.
//
// A NeoPixel strip and a servo follow live artcasts from an Artcast server:
// Wi-Fi, an HTTP long-poll per key (wait=0 at start, then If-None-Match
// with the last ETag; 204 = ask again), fades and servo slews, reconnects
// with backoff when Wi-Fi or the server go away.
//
// Settings: the artcast_config.h tab (Wi-Fi, server, the two outputs).
// Libraries (Library Manager): "Adafruit NeoPixel" and "ESP32Servo".
// Board: "ESP32 Dev Module" (esp32 core by Espressif).
//
// Wiring (see firmware/README.md):
//   strip DIN  <- GPIO16 through 330 ohm; strip 5V/GND from its own supply,
//                 GND shared with the ESP32, 1000 uF across the supply
//   servo sig  <- GPIO17; servo red/brown to a 5-6 V supply, GND shared
//
// The protocol and mapping code (artcast_*.cpp) never calls the Arduino
// API: it is built and tested on a PC against the shared test vectors and a
// real server (tests/firmware/test_arduino*.py). This file is the only
// place where logic meets hardware.

#include <Adafruit_NeoPixel.h>
#include <ESP32Servo.h>
#include <ESPmDNS.h>
#include <WiFi.h>

#include "artcast_clock.h"
#include "artcast_config.h"
#include "artcast_longpoll.h"
#include "artcast_output.h"
#include "artcast_piece.h"

using artcast::LongPoll;
using artcast::Output;

// ------------------------------------------------------------ outputs

static Output strip_out;
static Output servo_out;
static bool have_strip = false;
static bool have_servo = false;
static Adafruit_NeoPixel strip;
static Servo servo;

static neoPixelType neo_type(const char* order) {
  static const char* const names[] = {"RGB", "RBG", "GRB", "GBR", "BRG", "BGR",
                                      "RGBW", "RBGW", "GRBW", "GBRW", "BRGW", "BGRW"};
  static const neoPixelType types[] = {NEO_RGB, NEO_RBG, NEO_GRB, NEO_GBR, NEO_BRG, NEO_BGR,
                                       NEO_RGBW, NEO_RBGW, NEO_GRBW, NEO_GBRW, NEO_BRGW, NEO_BGRW};
  for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++) {
    if (strcmp(names[i], order) == 0) return types[i] + NEO_KHZ800;
  }
  return NEO_GRB + NEO_KHZ800;
}

static bool configure(Output& out, const char* text, const char* name) {
  if (!text[0]) return false;
  char error[120];
  if (out.configure(text, error, sizeof error)) return true;
  Serial.printf("artcast: %s output is wrong: %s\n", name, error);
  return false;
}

// The one place the strip is written.
static void write_strip() {
  const artcast::Spec& s = strip_out.spec();
  for (int i = 0; i < s.count; i++) {
    uint8_t px[4];
    strip_out.pixel(i, px);
    if (s.channels == 4) strip.setPixelColor(i, px[0], px[1], px[2], px[3]);
    else strip.setPixelColor(i, px[0], px[1], px[2]);
  }
  strip.show();
}

// The one place the servo is written: released = no pulses (detached).
static void write_servo() {
  const artcast::Spec& s = servo_out.spec();
  if (servo_out.released()) {
    if (servo.attached()) servo.detach();
    return;
  }
  if (!servo.attached()) {
    servo.setPeriodHertz((int)s.frequency);
    servo.attach(s.pin, (int)s.pulse[0], (int)(s.pulse[1] + 0.5));
  }
  servo.writeMicroseconds((int)(servo_out.pulse_us() + 0.5));
}

// What each output shows, and when, is the piece runtime's (artcast_piece.h:
// the same rules as the Python one, checked by the same vectors); it calls
// this for an output whose state changed.
static artcast::Piece piece;

static void write_output(int index) {
  if (piece.output(index) == &strip_out) write_strip();
  else write_servo();
}

// Set when a value or online change arrives: draw it at the end of this
// loop(), not at the next frame tick.
static bool frame_now = false;

// Shared time for play-at (PROTOCOL.md): the server's clock in millis().
// Nothing is asked until a value carries a play-at (a plain artcast, or a
// 2012 server, sees no /clock request); then a burst of BURST samples
// SPACING_MS apart, again after every reconnect, and one every
// ARTCAST_CLOCK_INTERVAL_MS (artcast_clock.h).
static artcast::ClockEstimator server_clock(32, ARTCAST_CLOCK_INTERVAL_MS);
static bool clock_used = false;
static unsigned long late_seen = 0;

// ------------------------------------------------------------ server

// The only blocking calls in loop(): each well inside the ESP32 core's 5 s
// loop watchdog, and at most one of them per loop().
static const int CONNECT_TIMEOUT_MS = 2000;
static const uint32_t LOOKUP_TIMEOUT_MS = 1500;

static char host[64];
static char prefix[64];
static int port = 80;
static IPAddress server_ip;
static bool have_ip = false;

// Look the server up once; names ending in .local through mDNS.
static bool resolve_server() {
  if (have_ip) return true;
  size_t n = strlen(host);
  if (n > 6 && strcmp(host + n - 6, ".local") == 0) {
    char name[64];
    memcpy(name, host, n - 6);
    name[n - 6] = '\0';
    server_ip = MDNS.queryHost(name, LOOKUP_TIMEOUT_MS);
    have_ip = server_ip != IPAddress(0, 0, 0, 0);
  } else {
    have_ip = WiFi.hostByName(host, server_ip) == 1;
  }
  if (!have_ip) Serial.printf("artcast: cannot find the server %s\n", host);
  return have_ip;
}

// One long-poll per key: a small state machine driven from loop().
struct Follower {
  LongPoll poll;
  WiFiClient client;
  artcast::Backoff backoff;
  bool active;      // request sent, reading the answer
  bool reused;      // ... on a connection kept open from the last answer
  bool online;
  bool known;       // online state reported at least once
  unsigned long next_at;
  unsigned long deadline;
  size_t length;
  int failures;
  char answer[ARTCAST_MAX_RESPONSE + 1];
};

static Follower followers[2];
static int follower_count = 0;

static void set_online(Follower& f, const char* key, bool online) {
  if (f.known && f.online == online) return;
  if (online) server_clock.reconnected(millis());  // perhaps another server: fresh samples
  f.known = true;
  f.online = online;
  piece.link(key, online, millis());  // motion up to now first
  frame_now = true;
  Serial.printf("artcast: %s %s\n", key, online ? "online" : "offline");
}

static const char* follower_key(Follower& f) { return f.poll.key(); }

static void fail(Follower& f, const char* why) {
  f.client.stop();
  f.active = false;
  f.poll.reset();
  f.failures++;
  if (f.failures % 3 == 0) have_ip = false;  // the server may have a new address
  unsigned long delay_ms = f.backoff.next_delay_ms(random(1000) / 1000.0);
  f.next_at = millis() + delay_ms;
  Serial.printf("artcast: %s: %s; retry in %lu ms\n", follower_key(f), why, delay_ms);
  set_online(f, follower_key(f), false);
}

// A whole answer of `length` bytes: keep the connection for the next poll
// when the server keeps it (HTTP/1.1 keep-alive), else close it.
static void finish(Follower& f, size_t length) {
  if (!ARTCAST_KEEP_ALIVE || !artcast::keeps_alive(f.answer, length)) f.client.stop();
  f.active = false;
  const char* value;
  int r = f.poll.handle(f.answer, length, &value);
  if (r < 0) {
    char why[32];
    snprintf(why, sizeof why, "bad answer (HTTP %d)", f.poll.last_status());
    fail(f, why);
    return;
  }
  const char* key = follower_key(f);
  f.backoff.reset();
  f.next_at = millis();
  set_online(f, key, true);
  if (r == 1) {
#if ARTCAST_FORMAT_TEXT
    // Bare text -> JSON text for Output::accept.
    static char as_json[ARTCAST_MAX_RESPONSE + 3];
    if (!artcast::text_as_json(value, as_json, sizeof as_json)) {
      Serial.printf("artcast: %s: value too long\n", key);
      return;
    }
    value = as_json;
#endif
    // Motion up to now first (so a fade starts from where the strip really
    // is and lasts its full time), then the new target drawn at once.
    // With a play-at, outputs that sync hold it until that moment.
    unsigned long due = 0;
    bool has_due = false;
    if (f.poll.has_play_at()) {
      clock_used = true;
      has_due = server_clock.to_local(f.poll.play_at(), due);
    }
    if (piece.accept(key, value, millis(), has_due, due)) Serial.printf("artcast: %s: ignored value %s\n", key, value);
    if (piece.late() != late_seen) {
      late_seen = piece.late();
      Serial.printf("artcast: %s: value arrived after its play-at (%lu late so far)\n", key, late_seen);
    }
    frame_now = true;
  }
}

// Returns true when it spent time blocking (a lookup or a connect): loop()
// then leaves the other followers for the next turn, so no loop() comes
// near the loop watchdog's 5 s.
static bool step(Follower& f, unsigned long now) {
  if (!f.active) {
    if ((long)(now - f.next_at) < 0) return false;
    // The connection kept open from the last answer, unless the server has
    // closed it since (idle timeout, restart): then a new one, at once.
    f.reused = f.client.connected() && !f.client.available();
    if (!f.reused) {
      f.client.stop();
      if (!resolve_server()) {
        fail(f, "no address");
        return true;
      }
      if (!f.client.connect(server_ip, port, CONNECT_TIMEOUT_MS)) {
        fail(f, "cannot connect");
        return true;
      }
    }
    char request[320];
    int n = f.poll.request(request, sizeof request, host, port);
    if (n < 0 || f.client.write((const uint8_t*)request, n) != (size_t)n) {
      if (f.reused) {  // closed under us: again on a new connection, no back-off
        f.client.stop();
        return false;
      }
      fail(f, "send failed");
      return true;
    }
    f.active = true;
    f.length = 0;
    f.deadline = millis() + f.poll.socket_timeout_ms();
    return !f.reused;
  }
  // Reading: take what has arrived, never wait for more.
  while (f.client.available()) {
    if (f.length >= ARTCAST_MAX_RESPONSE) {
      fail(f, "answer too big");
      return false;
    }
    int n = f.client.read((uint8_t*)f.answer + f.length, ARTCAST_MAX_RESPONSE - f.length);
    if (n <= 0) break;
    f.length += n;
  }
  long end = artcast::response_end(f.answer, f.length);
  if (end >= 0) {
    finish(f, (size_t)end);  // a whole answer (the server may keep the connection)
  } else if (!f.client.connected() && !f.client.available()) {
    if (f.reused && f.length == 0) {
      // the server closed the kept-open connection as we asked: ask again
      // on a new one, at once (not a failure)
      f.client.stop();
      f.active = false;
      f.next_at = now;
    } else {
      finish(f, f.length);  // the server closed: the answer is complete
    }
  } else if ((long)(now - f.deadline) >= 0) {
    fail(f, "no answer in time");
  }
  return false;
}

// One GET /clock (blocking, like a connect: at most one per loop()).
static void sample_clock() {
  if (!resolve_server()) {
    server_clock.failed(millis());
    return;
  }
  WiFiClient c;
  static char buf[512];  // the whole answer: ~300 bytes of headers, a short body
  int n = artcast::clock_request(buf, sizeof buf, host, port, prefix);
  if (n < 0 || !c.connect(server_ip, port, CONNECT_TIMEOUT_MS)) {
    server_clock.failed(millis());
    return;
  }
  unsigned long t0 = millis();
  size_t len = 0;
  if (c.write((const uint8_t*)buf, n) == (size_t)n) {
    unsigned long deadline = t0 + CONNECT_TIMEOUT_MS;
    while ((c.connected() || c.available()) && (long)(millis() - deadline) < 0 && len < sizeof buf - 1) {
      int got = c.read((uint8_t*)buf + len, sizeof buf - 1 - len);
      if (got > 0) len += got;
    }
  }
  unsigned long t1 = millis();
  c.stop();
  int64_t server_ms;
  bool first = !server_clock.has_estimate();
  if (!artcast::clock_answer(buf, len, server_ms)) {
    server_clock.failed(t1);
    Serial.println("artcast: clock sample failed");
  } else if (server_clock.sample(t0, server_ms, t1) && first) {
    Serial.printf("artcast: server clock found (round trip %ld ms)\n", server_clock.rtt());
  }
}

static bool any_online() {
  for (int i = 0; i < follower_count; i++) {
    if (followers[i].known && followers[i].online) return true;
  }
  return false;
}

// ------------------------------------------------------------ Wi-Fi

static bool wifi_up = false;
static unsigned long wifi_next = 0;
static artcast::Backoff wifi_backoff(1000, 60000);

static bool check_wifi(unsigned long now) {
  if (WiFi.status() == WL_CONNECTED) {
    if (!wifi_up) {
      wifi_up = true;
      wifi_backoff.reset();
      Serial.print("artcast: wifi up ");
      Serial.println(WiFi.localIP());
      MDNS.begin(ARTCAST_HOSTNAME);
    }
    return true;
  }
  if (wifi_up) {
    wifi_up = false;
    Serial.println("artcast: wifi lost");
    for (int i = 0; i < follower_count; i++) {
      followers[i].client.stop();
      followers[i].active = false;
      followers[i].poll.reset();
      followers[i].next_at = now;
      set_online(followers[i], follower_key(followers[i]), false);
    }
    wifi_next = now + wifi_backoff.next_delay_ms(random(1000) / 1000.0);
  } else if ((long)(now - wifi_next) >= 0) {
    WiFi.reconnect();
    wifi_next = now + wifi_backoff.next_delay_ms(random(1000) / 1000.0);
  }
  return false;
}

// ------------------------------------------------------------ setup / loop

void setup() {
  Serial.begin(115200);
  Serial.println("artcast: starting");
  if (!artcast::parse_url(ARTCAST_SERVER, host, sizeof host, port, prefix, sizeof prefix)) {
    Serial.println("artcast: ARTCAST_SERVER must be the server only, like http://artcast.local:8888 "
                   "(no /artcasts/<key>: the keys go in ARTCAST_STRIP / ARTCAST_SERVO)");
  }
  have_strip = configure(strip_out, ARTCAST_STRIP, "strip");
  have_servo = configure(servo_out, ARTCAST_SERVO, "servo");
  if (have_strip) {
    const artcast::Spec& s = strip_out.spec();
    if (ARTCAST_SUPPLY_AMPS > 0) {
      strip_out.set_power_cap(artcast::power_cap(s.count, s.channels, ARTCAST_SUPPLY_AMPS,
                                                 ARTCAST_RESERVE_AMPS));
    }
    strip.updateType(neo_type(s.order));
    strip.updateLength(s.count);
    strip.setPin(s.pin);
    strip.begin();
    piece.add(&strip_out);
  }
  if (have_servo) piece.add(&servo_out);
  piece.on_write(write_output);
  piece.start(millis());  // dark, released
  // One long-poll per distinct key.
  if (have_strip) followers[follower_count++].poll = LongPoll(strip_out.key(), ARTCAST_HOLD, prefix, ARTCAST_FORMAT_TEXT);
  if (have_servo && !(have_strip && strcmp(strip_out.key(), servo_out.key()) == 0)) {
    followers[follower_count++].poll = LongPoll(servo_out.key(), ARTCAST_HOLD, prefix, ARTCAST_FORMAT_TEXT);
  }
  for (int i = 0; i < follower_count; i++) followers[i].poll.set_device(ARTCAST_HOSTNAME);
  for (int i = 0; i < follower_count; i++) followers[i].poll.set_keep_alive(ARTCAST_KEEP_ALIVE);
  randomSeed(micros());
#ifdef ARDUINO_ARCH_ESP32
  // The core resets this watchdog after every loop(); a hang restarts the board.
  enableLoopWDT();
#endif
  WiFi.mode(WIFI_STA);
  WiFi.setHostname(ARTCAST_HOSTNAME);
  WiFi.begin(ARTCAST_WIFI_SSID, ARTCAST_WIFI_PASSWORD);
  // Modem sleep (the ESP32's default) adds tens to hundreds of ms to every
  // value; mains-powered kits turn it off (ARTCAST_WIFI_SLEEP, config tab).
  WiFi.setSleep(ARTCAST_WIFI_SLEEP ? true : false);
}

void loop() {
  unsigned long now = millis();
  if (check_wifi(now)) {
    if (clock_used && any_online() && server_clock.due(now)) {
      sample_clock();
    } else {
      for (int i = 0; i < follower_count; i++) {
        if (step(followers[i], now)) break;
      }
    }
  }
  now = millis();
  unsigned long wait;
  bool held_due = piece.next_due(now, wait) && wait == 0;  // a held value's moment: draw it now
  if (frame_now || held_due || now - piece.last_ms() >= ARTCAST_FRAME_MS) {
    frame_now = false;
    piece.frame(now);
  }
  // Let the Wi-Fi stack run (still 50 frames a second), but no longer than
  // until a held play-at value is due: its moment is drawn within a ms.
  unsigned long rest = 2;
  if (piece.next_due(millis(), wait) && wait < rest) rest = wait;
  delay(rest);
}
