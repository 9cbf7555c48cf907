// Colours for the sketch's strip: the rules of clients/artcast_core/colour.py
// (round half up everywhere), shared by the output checker and the mapping.
// No Arduino API.
//
//   artcast::Colour c;
//   artcast::json::Value v;
//   artcast::json::parse("\"#ff8000\"", v);
//   artcast::parse_colour(v, 3, c);          // c.c = {255, 128, 0, 0}
//   artcast::blend(black, c, 0.5);           // {128, 64, 0, 0}

#ifndef ARTCAST_COLOUR_H
#define ARTCAST_COLOUR_H

#include <stdint.h>

#include "artcast_json.h"

namespace artcast {

struct Colour {
  uint8_t c[4];  // R, G, B, W (logical order; the strip driver reorders)
};

// Pixel orders a strip may be wired in (piece file "order").
extern const char* const ORDERS[12];

uint8_t to_byte(double x);                                     // clamp, half up
Colour blend(const Colour& a, const Colour& b, double t);      // a -> b, t = 0..1
Colour palette_at(const Colour* palette, int n, double t);     // evenly spaced stops
// "#rrggbb", "#rrggbbww" (RGBW only), [r,g,b], [r,g,b,w] of integers 0..255
bool parse_colour(const json::Value& v, int channels, Colour& out);
void fill(Colour& c, uint8_t value, int channels);             // value in `channels`, rest 0

}  // namespace artcast

#endif
