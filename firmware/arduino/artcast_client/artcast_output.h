// One output of a piece, for the Arduino sketch: the same rules as the
// shared Python core (clients/artcast_core: piece.py, mapping.py,
// motion.py, output.py), re-implemented in C++ because an Arduino cannot
// run Python, and held to the same behaviour by tests/vectors/mapping.json
// (tests/firmware/test_arduino_vectors.py runs every vector through this
// file, and through artcast_piece.cpp, its runtime).
//
// The output is described by the same JSON as one entry of a piece file's
// "outputs" list, so a Pi piece file and this sketch read alike:
//
//   artcast::Output strip;
//   char error[96];
//   if (!strip.configure("{\"key\": \"test/tick\", \"device\": {\"type\": \"neopixel\","
//                        " \"pin\": 16, \"count\": 8}, \"mapping\": {\"type\": \"bar\","
//                        " \"from\": [0, 8]}}", error, sizeof error)) {
//     Serial.println(error);        // "mapping.from: is required" style
//   }
//   strip.accept("3");              // a value from the server (JSON text)
//   strip.frame(0.02);              // 20 ms later: fades and slews advance
//   uint8_t rgbw[4];
//   strip.pixel(0, rgbw);           // what pixel 0 shows now
//
// Never calls the Arduino API: it builds and is tested on the host.

#ifndef ARTCAST_OUTPUT_H
#define ARTCAST_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "artcast_colour.h"
#include "artcast_json.h"

#ifndef ARTCAST_MAX_PIXELS
#if defined(__AVR__)
#define ARTCAST_MAX_PIXELS 8
#else
#define ARTCAST_MAX_PIXELS 300
#endif
#endif

#ifndef ARTCAST_MAX_PALETTE
#if defined(__AVR__)
#define ARTCAST_MAX_PALETTE 4
#else
#define ARTCAST_MAX_PALETTE 16
#endif
#endif

// The last value is kept (as JSON text) to show again when the server comes
// back after an "on_disconnect": "safe" (the server answers 204 then).
#ifndef ARTCAST_MAX_VALUE
#if defined(__AVR__)
#define ARTCAST_MAX_VALUE 24
#else
#define ARTCAST_MAX_VALUE 512
#endif
#endif

// 2 KB of RAM on an AVR (Uno) forces tiny limits there.
#if defined(__AVR__)
#define ARTCAST_MAX_KEY 24
#define ARTCAST_MAX_FIELD 16
#else
#define ARTCAST_MAX_KEY 64
#define ARTCAST_MAX_FIELD 48
#endif

namespace artcast {

enum DeviceType { DEV_NEOPIXEL, DEV_SERVO, DEV_PIN, DEV_PWM };
enum MapType { MAP_LINEAR, MAP_THRESHOLD, MAP_GRADIENT, MAP_BAR, MAP_DIRECT };

// A checked output description (defaults filled in), like piece.py's
// normalised output dict.
struct Spec {
  char key[ARTCAST_MAX_KEY];
  char field[ARTCAST_MAX_FIELD];  // "" = use the whole value
  DeviceType type;
  int pin;
  // neopixel
  int count;
  char order[5];
  int channels;
  double brightness;
  // servo (pulse in us, angle in degrees) and pwm
  double frequency;
  double pulse[2];
  double angle[2];
  double duty[2];
  // pin
  bool active_low;
  // mapping
  MapType mapping;
  double from[2];
  double to[2];
  bool has_modulo;
  double modulo;
  double above;
  double hysteresis;
  Colour on_colour, off_colour;  // threshold targets for a strip
  double on_value, off_value;    // ... for a servo (angle), pwm (level), pin (1/0)
  Colour palette[ARTCAST_MAX_PALETTE];
  int palette_len;               // 0 = a bar with one "colour"
  Colour colour, background;     // bar
  // motion
  double slew;                   // degrees per second, 0 = no limit
  double fade;                   // seconds
  // on_disconnect
  bool safe;                     // "safe" (else "hold")
  int status_index;              // -1 = no status pixel
  Colour status_colour;
  // play-at
  bool sync;                     // hold values until their play-at (default true)
};

// The whole-supply brightness ceiling for one strip (power.py's
// brightness_cap: 20 % margin, 20 mA per channel, 1 mA idle per pixel).
double power_cap(int count, int channels, double supply_amps, double reserve_amps);

class Output {
 public:
  Output();
  // Read an output description; false with a message naming the field.
  bool configure(const char* output_json, char* error, size_t error_size);
  // Lower the brightness further (power_cap); 1.0 = no cap.
  void set_power_cap(double cap);
  const Spec& spec() const { return s_; }
  const char* key() const { return s_.key; }

  // A new artcast value as JSON text. false: the value does not fit this
  // output (wrong type, missing field); the state is unchanged.
  bool accept(const char* value_json);
  bool accept(const json::Value& value);
  // The server was reached (true) or lost (false).
  void set_online(bool online);
  // Advance fades and slews by dt seconds; true when the state may have
  // changed since the last frame (write it to the device then).
  bool frame(double dt);
  bool moving() const;
  // Safe state now: dark, released, off (no status pixel: stopping).
  void park();

  // --- the state to write -------------------------------------------
  // neopixel: logical R, G, B, W of pixel i, brightness and status pixel applied
  void pixel(int i, uint8_t out[4]) const;
  // servo: released = no pulses
  bool released() const { return !servo_has_cur_; }
  double angle() const { return servo_cur_; }
  double pulse_us() const;
  double servo_duty() const;  // 0..1 of the period, 0 when released
  // pin
  bool on() const { return pin_on_; }
  int level() const { return (pin_on_ != s_.active_low) ? 1 : 0; }
  // pwm: duty 0..1 inside the device's duty range, 0 = off
  double duty() const;

 private:
  bool map_value(const json::Value& value, Colour* pixels, double& x);
  void set_target_pixels(const Colour* pixels);
  void set_target_number(double x, bool none);
  void jump_safe();

  Spec s_;
  bool configured_;
  double brightness_;
  bool online_;
  bool memory_on_;  // threshold hysteresis
  bool has_value_;
  char last_value_[ARTCAST_MAX_VALUE];
  bool dirty_;
  // fade (neopixel, pwm)
  bool fading_;
  double elapsed_;
  Colour cur_[ARTCAST_MAX_PIXELS];
  Colour start_[ARTCAST_MAX_PIXELS];
  Colour target_[ARTCAST_MAX_PIXELS];
  double level_cur_, level_start_, level_target_;
  // slew (servo)
  bool servo_has_cur_, servo_has_target_;
  double servo_cur_, servo_target_;
  // pin
  bool pin_on_;
};

}  // namespace artcast

#endif
