// See artcast_colour.h. No Arduino API.

#include "artcast_colour.h"

#include <string.h>

namespace artcast {

using json::Value;

const char* const ORDERS[12] = {"RGB", "RBG", "GRB", "GBR", "BRG", "BGR",
                                     "RGBW", "RBGW", "GRBW", "GBRW", "BRGW", "BGRW"};

// colour.to_byte: clamp, round half up
uint8_t to_byte(double x) {
  if (x <= 0) return 0;
  if (x >= 255) return 255;
  return (uint8_t)(int)(x + 0.5);
}

// colour.blend
Colour blend(const Colour& a, const Colour& b, double t) {
  if (t <= 0) return a;
  if (t >= 1) return b;
  Colour out;
  for (int i = 0; i < 4; i++) out.c[i] = to_byte(a.c[i] + (b.c[i] - a.c[i]) * t);
  return out;
}

// colour.palette_at
Colour palette_at(const Colour* palette, int n, double t) {
  if (n == 1 || t <= 0) return palette[0];
  if (t >= 1) return palette[n - 1];
  double pos = t * (n - 1);
  int i = (int)pos;
  return blend(palette[i], palette[i + 1], pos - i);
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// colour.parse_colour: "#rrggbb", "#rrggbbww" (RGBW only), [r,g,b], [r,g,b,w]
bool parse_colour(const Value& v, int channels, Colour& out) {
  memset(out.c, 0, sizeof out.c);
  if (v.is(json::STRING)) {
    char text[12];
    if (!v.string(text, sizeof text)) return false;
    size_t len = strlen(text);
    if (text[0] != '#' || (len != 7 && len != 9)) return false;
    if (len == 9 && channels != 4) return false;
    for (size_t i = 1; i < len; i += 2) {
      int hi = hexval(text[i]), lo = hexval(text[i + 1]);
      if (hi < 0 || lo < 0) return false;
      out.c[(i - 1) / 2] = (uint8_t)(hi * 16 + lo);
    }
    return true;
  }
  if (v.is(json::ARRAY)) {
    int n = v.length();
    if (n != 3 && n != 4) return false;
    if (n == 4 && channels != 4) return false;
    for (int i = 0; i < n; i++) {
      Value part;
      double x;
      bool integer;
      if (!v.item(i, part) || !part.number(x, &integer) || !integer || x < 0 || x > 255) return false;
      out.c[i] = (uint8_t)x;
    }
    return true;
  }
  return false;
}

void fill(Colour& c, uint8_t value, int channels) {
  memset(c.c, 0, sizeof c.c);
  for (int i = 0; i < channels; i++) c.c[i] = value;
}

}  // namespace artcast
