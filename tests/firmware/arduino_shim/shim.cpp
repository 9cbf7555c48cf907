// Implementation of the Arduino-API stand-in (tests only). See Arduino.h.

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "Adafruit_NeoPixel.h"
#include "Arduino.h"
#include "ESP32Servo.h"
#include "ESPmDNS.h"
#include "WiFi.h"

HardwareSerial Serial;
EspClass ESP;
WiFiClass WiFi;
MDNSResponder MDNS;

// ------------------------------------------------------------ recording

static FILE* record_file() {
  static FILE* f = 0;
  static bool tried = false;
  if (!tried) {
    tried = true;
    const char* path = getenv("ARTCAST_RECORD");
    if (path) f = fopen(path, "a");
    // A buffer bigger than any record, so each record and its newline
    // reach the file in the one write fflush() makes (the test reads the
    // growing file).
    if (f) setvbuf(f, 0, _IOFBF, 1 << 16);
  }
  return f;
}

void shim_record(const char* kind, const char* fmt, ...) {
  FILE* f = record_file();
  if (!f) return;
  fprintf(f, "[%lu, \"%s\"", millis(), kind);
  if (fmt && *fmt) {
    fprintf(f, ", ");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
  }
  fprintf(f, "]\n");
  fflush(f);
}

static bool flag_file(const char* env) {
  const char* path = getenv(env);
  struct stat st;
  return path && stat(path, &st) == 0;
}

// ------------------------------------------------------------ core

static unsigned long long now_us() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (unsigned long long)ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

unsigned long millis() { return (unsigned long)(now_us() / 1000ULL); }
unsigned long micros() { return (unsigned long)now_us(); }

void delay(unsigned long ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, 0);
}

void yield() {}

void pinMode(uint8_t pin, uint8_t mode) { shim_record("pin_mode", "%d, %d", pin, mode); }
void digitalWrite(uint8_t pin, uint8_t level) { shim_record("pin", "%d, %d", pin, level ? 1 : 0); }
int digitalRead(uint8_t) { return HIGH; }
long random(long max) { return max > 0 ? rand() % max : 0; }
long random(long min, long max) { return min + random(max - min); }
void randomSeed(unsigned long seed) { srand((unsigned)seed); }

size_t HardwareSerial::print(const char* s) {
  size_t n = fputs(s, stdout) >= 0 ? strlen(s) : 0;
  fflush(stdout);
  return n;
}
size_t HardwareSerial::print(long n) { return printf("%ld", n); }
size_t HardwareSerial::print(double x, int digits) { return printf("%.*f", digits, x); }
size_t HardwareSerial::print(const IPAddress& ip) { return printf("%d.%d.%d.%d", ip[0], ip[1], ip[2], ip[3]); }
size_t HardwareSerial::printf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vprintf(fmt, ap);
  va_end(ap);
  fflush(stdout);
  return n < 0 ? 0 : (size_t)n;
}

void EspClass::restart() {
  shim_record("restart", "");
  exit(77);
}
uint32_t EspClass::getFreeHeap() { return 200000; }

// ------------------------------------------------------------ WiFi

bool WiFiClass::setHostname(const char* name) {
  shim_record("hostname", "\"%s\"", name);
  return true;
}

wl_status_t WiFiClass::begin(const char* ssid, const char*) {
  shim_record("wifi_begin", "\"%s\"", ssid);
  begun_ = true;
  return status();
}

bool WiFiClass::setSleep(bool enabled) {
  shim_record("wifi_sleep", "%d", enabled ? 1 : 0);
  return true;
}

bool WiFiClass::reconnect() {
  shim_record("wifi_reconnect", "");
  begun_ = true;
  return true;
}

bool WiFiClass::disconnect(bool) {
  begun_ = false;
  return true;
}

wl_status_t WiFiClass::status() {
  if (!begun_) return WL_IDLE_STATUS;
  return flag_file("STUB_WIFI_DOWN") ? WL_CONNECTION_LOST : WL_CONNECTED;
}

static bool resolve(const char* host, IPAddress& out) {
  struct addrinfo hints, *res = 0;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_INET;
  if (getaddrinfo(host, 0, &hints, &res) != 0 || !res) return false;
  uint32_t a = ntohl(((struct sockaddr_in*)res->ai_addr)->sin_addr.s_addr);
  freeaddrinfo(res);
  out = IPAddress(a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
  return true;
}

int WiFiClass::hostByName(const char* host, IPAddress& out) { return resolve(host, out) ? 1 : 0; }

bool MDNSResponder::begin(const char* hostname) {
  shim_record("mdns_begin", "\"%s\"", hostname);
  return true;
}

IPAddress MDNSResponder::queryHost(const char* host, uint32_t) {
  IPAddress ip;
  shim_record("mdns_query", "\"%s\"", host);
  resolve(host, ip);
  return ip;
}

int WiFiClient::connect(IPAddress ip, uint16_t port, int32_t timeout_ms) {
  stop();
  if (WiFi.status() != WL_CONNECTED) return 0;
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return 0;
  fcntl(fd_, F_SETFL, O_NONBLOCK);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(((uint32_t)ip[0] << 24) | (ip[1] << 16) | (ip[2] << 8) | ip[3]);
  if (::connect(fd_, (struct sockaddr*)&addr, sizeof addr) != 0 && errno != EINPROGRESS) {
    stop();
    return 0;
  }
  struct pollfd p = {fd_, POLLOUT, 0};
  int err = 0;
  socklen_t len = sizeof err;
  if (poll(&p, 1, timeout_ms) != 1 || getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err) {
    stop();
    return 0;
  }
  return 1;
}

int WiFiClient::connect(const char* host, uint16_t port, int32_t timeout_ms) {
  IPAddress ip;
  if (!resolve(host, ip)) return 0;
  return connect(ip, port, timeout_ms);
}

size_t WiFiClient::write(const uint8_t* buf, size_t size) {
  if (fd_ < 0) return 0;
  ssize_t n = send(fd_, buf, size, MSG_NOSIGNAL);
  return n < 0 ? 0 : (size_t)n;
}

int WiFiClient::available() {
  if (fd_ < 0) return 0;
  char tmp[2048];
  ssize_t n = recv(fd_, tmp, sizeof tmp, MSG_PEEK | MSG_DONTWAIT);
  return n > 0 ? (int)n : 0;
}

int WiFiClient::read(uint8_t* buf, size_t size) {
  if (fd_ < 0) return -1;
  ssize_t n = recv(fd_, buf, size, MSG_DONTWAIT);
  return n > 0 ? (int)n : -1;
}

int WiFiClient::read() {
  uint8_t c;
  return read(&c, 1) == 1 ? c : -1;
}

uint8_t WiFiClient::connected() {
  if (fd_ < 0) return 0;
  if (WiFi.status() != WL_CONNECTED) return 0;  // the radio link is gone
  char c;
  ssize_t n = recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return 1;
  if (n == 0) return 0;
  return (errno == EAGAIN || errno == EWOULDBLOCK) ? 1 : 0;
}

void WiFiClient::stop() {
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
}

// ------------------------------------------------------------ NeoPixel

Adafruit_NeoPixel::Adafruit_NeoPixel(uint16_t n, int16_t pin, neoPixelType type)
    : n_(0), pin_(pin), pixels_(0), begun_(false) {
  updateType(type);
  updateLength(n);
}

Adafruit_NeoPixel::~Adafruit_NeoPixel() { free(pixels_); }

void Adafruit_NeoPixel::begin() {
  begun_ = true;
  shim_record("neopixel_begin", "%d, %d", pin_, n_);
}

void Adafruit_NeoPixel::updateType(neoPixelType t) {
  w_ = (t >> 6) & 3;
  r_ = (t >> 4) & 3;
  g_ = (t >> 2) & 3;
  b_ = t & 3;
  updateLength(n_);
}

void Adafruit_NeoPixel::updateLength(uint16_t n) {
  free(pixels_);
  n_ = n;
  int bpp = (w_ == r_) ? 3 : 4;
  pixels_ = (uint8_t*)calloc(n ? n * bpp : 1, 1);
}

void Adafruit_NeoPixel::setPixelColor(uint16_t n, uint8_t r, uint8_t g, uint8_t b) {
  if (n >= n_) return;
  int bpp = (w_ == r_) ? 3 : 4;
  uint8_t* p = pixels_ + n * bpp;
  p[r_] = r;
  p[g_] = g;
  p[b_] = b;
  if (bpp == 4) p[w_] = 0;
}

void Adafruit_NeoPixel::setPixelColor(uint16_t n, uint8_t r, uint8_t g, uint8_t b, uint8_t w) {
  if (n >= n_) return;
  int bpp = (w_ == r_) ? 3 : 4;
  setPixelColor(n, r, g, b);
  if (bpp == 4) pixels_[n * bpp + w_] = w;
}

void Adafruit_NeoPixel::clear() { memset(pixels_, 0, n_ * ((w_ == r_) ? 3 : 4)); }

void Adafruit_NeoPixel::show() {
  if (!begun_) return;  // the real library would not drive the pin either
  int len = n_ * ((w_ == r_) ? 3 : 4);
  char* hex = (char*)malloc(len * 2 + 1);
  for (int i = 0; i < len; i++) snprintf(hex + 2 * i, 3, "%02x", pixels_[i]);
  hex[len * 2] = '\0';
  shim_record("pixels", "%d, \"%s\"", pin_, hex);
  free(hex);
}

// ------------------------------------------------------------ Servo

int Servo::attach(int pin, int min_us, int max_us) {
  pin_ = pin;
  min_ = min_us;
  max_ = max_us;
  shim_record("servo_attach", "%d, %d, %d, %d", pin, min_us, max_us, hz_);
  return 1;
}

void Servo::detach() {
  if (pin_ >= 0) shim_record("servo_detach", "%d", pin_);
  pin_ = -1;
}

void Servo::writeMicroseconds(int us) {
  if (pin_ < 0) return;
  if (us < min_) us = min_;
  if (us > max_) us = max_;
  shim_record("servo_us", "%d, %d", pin_, us);
}

// ------------------------------------------------------------ main

static bool loop_wdt = false;

void enableLoopWDT() {
  loop_wdt = true;
  shim_record("loop_wdt", "5000");
}

void feedLoopWDT() {}

void setup();
void loop();

int main() {
  setvbuf(stdout, 0, _IOLBF, 0);
  setup();
  unsigned long longest = 0;
  for (;;) {
    unsigned long start = millis();
    loop();
    unsigned long took = millis() - start;
    if (loop_wdt && took > longest) {
      longest = took;
      shim_record("loop_max", "%lu", took);
      if (took > 5000) {
        shim_record("wdt_expired", "%lu", took);  // the core would reset here
        exit(78);
      }
    }
  }
}
