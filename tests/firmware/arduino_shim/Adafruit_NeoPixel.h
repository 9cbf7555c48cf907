// Recording stand-in with Adafruit_NeoPixel's API (tests only). show()
// records the bytes the data line would carry, in the strip's wire order,
// decoded from the type flags exactly as the library documents them
// (bits 7-6 W offset, 5-4 R, 3-2 G, 1-0 B; W == R offset means no W).

#ifndef ARTCAST_SHIM_NEOPIXEL_H
#define ARTCAST_SHIM_NEOPIXEL_H

#include "Arduino.h"

typedef uint16_t neoPixelType;

#define NEO_RGB ((0 << 6) | (0 << 4) | (1 << 2) | (2))
#define NEO_RBG ((0 << 6) | (0 << 4) | (2 << 2) | (1))
#define NEO_GRB ((1 << 6) | (1 << 4) | (0 << 2) | (2))
#define NEO_GBR ((2 << 6) | (2 << 4) | (0 << 2) | (1))
#define NEO_BRG ((1 << 6) | (1 << 4) | (2 << 2) | (0))
#define NEO_BGR ((2 << 6) | (2 << 4) | (1 << 2) | (0))
#define NEO_RGBW ((3 << 6) | (0 << 4) | (1 << 2) | (2))
#define NEO_RBGW ((3 << 6) | (0 << 4) | (2 << 2) | (1))
#define NEO_GRBW ((3 << 6) | (1 << 4) | (0 << 2) | (2))
#define NEO_GBRW ((3 << 6) | (2 << 4) | (0 << 2) | (1))
#define NEO_BRGW ((3 << 6) | (1 << 4) | (2 << 2) | (0))
#define NEO_BGRW ((3 << 6) | (2 << 4) | (1 << 2) | (0))
#define NEO_KHZ800 0x0000
#define NEO_KHZ400 0x0100

class Adafruit_NeoPixel {
 public:
  Adafruit_NeoPixel(uint16_t n = 0, int16_t pin = 6, neoPixelType type = NEO_GRB + NEO_KHZ800);
  ~Adafruit_NeoPixel();
  void begin();
  void show();
  void setPin(int16_t p) { pin_ = p; }
  void setPixelColor(uint16_t n, uint8_t r, uint8_t g, uint8_t b);
  void setPixelColor(uint16_t n, uint8_t r, uint8_t g, uint8_t b, uint8_t w);
  void clear();
  void updateLength(uint16_t n);
  void updateType(neoPixelType t);
  uint16_t numPixels() const { return n_; }

 private:
  uint16_t n_;
  int16_t pin_;
  uint8_t r_, g_, b_, w_;
  uint8_t* pixels_;
  bool begun_;
};

#endif
