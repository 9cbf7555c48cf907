// Output::configure: reads one output description (the JSON of one entry of
// a piece file's "outputs") and checks it the way clients/artcast_core/
// piece.py, piece_fields.py and piece_mapping.py do: defaults filled in, and
// a message naming the field when something is wrong. No Arduino API.

#include <stdio.h>
#include <string.h>

#include "artcast_colour.h"
#include "artcast_output.h"

// Error texts: the field is always named; on an 8-bit AVR (2 KB of RAM,
// string literals live in RAM) the explanation after it is left out.
#if defined(__AVR__)
#define ARTCAST_MSG(text) ""
#else
#define ARTCAST_MSG(text) text
#endif

namespace artcast {

using json::Value;

// ---------------------------------------------------------------- power

double power_cap(int count, int channels, double supply_amps, double reserve_amps) {
  double idle = count * 1.0;
  double per_unit = count * channels * 20.0;
  if (per_unit == 0) return 1.0;
  double cap = (supply_amps * 1000.0 / 1.2 - reserve_amps * 1000.0 - idle) / per_unit;
  if (cap <= 0) return 0.0;
  if (cap >= 1) return 1.0;
  return (int)(cap * 100 + 1e-6) / 100.0;
}

// ---------------------------------------------------------------- checking

// Small field readers in the style of piece_fields.py: each writes
// "path.name: problem" into the error buffer and returns false.
struct Checker {
  char* error;
  size_t size;

  bool fail(const char* path, const char* name, const char* problem) {
    if (name && *name) {
      snprintf(error, size, "%s%s%s: %s", path, *path ? "." : "", name, problem);
    } else {
      snprintf(error, size, "%s: %s", path, problem);
    }
    return false;
  }

  bool object(const Value& obj, const char* path) {
    return obj.is(json::OBJECT) ? true : fail(path, "", ARTCAST_MSG("must be an object {...}"));
  }

  bool integer(const Value& obj, const char* path, const char* name, long lo, long hi,
               bool required, int& out) {
    Value v;
    if (!obj.member(name, v)) return required ? fail(path, name, ARTCAST_MSG("is required")) : true;
    double x;
    bool is_int;
    if (!v.number(x, &is_int) || !is_int) return fail(path, name, ARTCAST_MSG("must be an integer"));
    if (x < lo || x > hi) {
      char msg[48];
      snprintf(msg, sizeof msg, ARTCAST_MSG("must be between %ld and %ld"), lo, hi);
      return fail(path, name, msg);
    }
    out = (int)x;
    return true;
  }

  bool number(const Value& obj, const char* path, const char* name, double lo, double hi,
              bool required, double& out) {
    Value v;
    if (!obj.member(name, v)) return required ? fail(path, name, ARTCAST_MSG("is required")) : true;
    double x;
    if (!v.number(x)) return fail(path, name, ARTCAST_MSG("must be a number"));
    if (x < lo || x > hi) {
      char msg[48];
      snprintf(msg, sizeof msg, ARTCAST_MSG("must be between %g and %g"), lo, hi);
      return fail(path, name, msg);
    }
    out = x;
    return true;
  }

  bool boolean(const Value& obj, const char* path, const char* name, bool& out) {
    Value v;
    if (!obj.member(name, v)) return true;
    return v.boolean(out) ? true : fail(path, name, ARTCAST_MSG("must be true or false"));
  }

  // get_pair: [low, high]
  bool pair(const Value& obj, const char* path, const char* name, double lo, double hi,
            bool required, bool distinct, bool rising, double out[2]) {
    Value v, a, b;
    if (!obj.member(name, v)) return required ? fail(path, name, ARTCAST_MSG("is required")) : true;
    double x0, x1;
    if (v.length() != 2 || !v.item(0, a) || !v.item(1, b) || !a.number(x0) || !b.number(x1)) {
      return fail(path, name, ARTCAST_MSG("must be a list of two numbers [low, high]"));
    }
    if (x0 < lo || x0 > hi || x1 < lo || x1 > hi) return fail(path, name, ARTCAST_MSG("is out of range"));
    if (distinct && x0 == x1) return fail(path, name, ARTCAST_MSG("the two ends must differ"));
    if (rising && x0 > x1) return fail(path, name, ARTCAST_MSG("must be [low, high] with low < high"));
    out[0] = x0;
    out[1] = x1;
    return true;
  }

  bool colour(const Value& obj, const char* path, const char* name, int channels, Colour& out) {
    Value v;
    if (!obj.member(name, v)) return true;  // caller set the default
    return parse_colour(v, channels, out) ? true
        : fail(path, name, channels == 4 ? ARTCAST_MSG("must be \"#rrggbb\", \"#rrggbbww\" or [r, g, b(, w)] of 0..255")
                                         : ARTCAST_MSG("must be \"#rrggbb\" or [r, g, b] of integers 0..255"));
  }

  bool text(const Value& obj, const char* path, const char* name, bool required,
            char* out, size_t size) {
    Value v;
    if (!obj.member(name, v)) return required ? fail(path, name, ARTCAST_MSG("is required")) : true;
    return v.string(out, size) ? true : fail(path, name, ARTCAST_MSG("must be a (short) string"));
  }
};

Output::Output() : configured_(false) { memset(&s_, 0, sizeof s_); }

bool Output::configure(const char* text, char* error, size_t error_size) {
  Checker ck = {error, error_size};
  error[0] = '\0';
  configured_ = false;
  memset(&s_, 0, sizeof s_);
  Value out, dev, map, v;
  if (!json::parse(text, out)) return ck.fail("output", "", ARTCAST_MSG("is not valid JSON"));
  if (!ck.object(out, "output")) return false;
  if (!ck.text(out, "", "key", true, s_.key, sizeof s_.key)) return false;
  if (!s_.key[0]) return ck.fail("", "key", ARTCAST_MSG("must not be empty"));
  if (!ck.text(out, "", "field", false, s_.field, sizeof s_.field)) return false;

  // --- device (piece.check_device)
  if (!out.member("device", dev)) return ck.fail("", "device", ARTCAST_MSG("is required"));
  if (!ck.object(dev, "device")) return false;
  char type[12] = "";
  if (!ck.text(dev, "device", "type", true, type, sizeof type)) return false;
  if (!ck.integer(dev, "device", "pin", 0, 63, true, s_.pin)) return false;
  if (strcmp(type, "neopixel") == 0) {
    s_.type = DEV_NEOPIXEL;
    if (!ck.integer(dev, "device", "count", 1, ARTCAST_MAX_PIXELS, true, s_.count)) return false;
    strcpy(s_.order, "GRB");
    if (!ck.text(dev, "device", "order", false, s_.order, sizeof s_.order)) return false;
    bool known = false;
    for (size_t i = 0; i < sizeof ORDERS / sizeof ORDERS[0]; i++) known = known || strcmp(ORDERS[i], s_.order) == 0;
    if (!known) return ck.fail("device", "order", ARTCAST_MSG("must be one of RGB, GRB, ... RGBW, GRBW, ..."));
    s_.channels = (int)strlen(s_.order);
    s_.brightness = 1.0;
    if (!ck.number(dev, "device", "brightness", 0, 1, false, s_.brightness)) return false;
  } else if (strcmp(type, "servo") == 0) {
    s_.type = DEV_SERVO;
    s_.frequency = 50;
    s_.pulse[0] = 1000; s_.pulse[1] = 2000;
    s_.angle[0] = 0; s_.angle[1] = 180;
    if (!ck.number(dev, "device", "frequency", 40, 400, false, s_.frequency)) return false;
    if (!ck.pair(dev, "device", "pulse", 100, 3000, false, true, true, s_.pulse)) return false;
    if (s_.pulse[1] >= 1000000.0 / s_.frequency) return ck.fail("device", "pulse", ARTCAST_MSG("does not fit in one period"));
    if (!ck.pair(dev, "device", "angle", -360, 360, false, true, true, s_.angle)) return false;
  } else if (strcmp(type, "pin") == 0) {
    s_.type = DEV_PIN;
    if (!ck.boolean(dev, "device", "active_low", s_.active_low)) return false;
  } else if (strcmp(type, "pwm") == 0) {
    s_.type = DEV_PWM;
    s_.frequency = 1000;
    s_.duty[0] = 0; s_.duty[1] = 1;
    if (!ck.number(dev, "device", "frequency", 1, 100000, false, s_.frequency)) return false;
    if (!ck.pair(dev, "device", "duty", 0, 1, false, false, true, s_.duty)) return false;
  } else {
    return ck.fail("device", "type", ARTCAST_MSG("must be one of \"neopixel\", \"servo\", \"pin\", \"pwm\""));
  }
  int ch = s_.type == DEV_NEOPIXEL ? s_.channels : 3;

  // --- mapping (piece_mapping.check_mapping)
  if (!out.member("mapping", map)) return ck.fail("", "mapping", ARTCAST_MSG("is required"));
  if (!ck.object(map, "mapping")) return false;
  char mtype[12] = "";
  if (!ck.text(map, "mapping", "type", true, mtype, sizeof mtype)) return false;
  const char* fits;
  if (strcmp(mtype, "linear") == 0) { s_.mapping = MAP_LINEAR; fits = "SW"; }
  else if (strcmp(mtype, "threshold") == 0) { s_.mapping = MAP_THRESHOLD; fits = "NSPW"; }
  else if (strcmp(mtype, "gradient") == 0) { s_.mapping = MAP_GRADIENT; fits = "N"; }
  else if (strcmp(mtype, "bar") == 0) { s_.mapping = MAP_BAR; fits = "N"; }
  else if (strcmp(mtype, "direct") == 0) { s_.mapping = MAP_DIRECT; fits = "NSPW"; }
  else return ck.fail("mapping", "type", ARTCAST_MSG("must be linear, threshold, gradient, bar or direct"));
  const char letter = "NSPW"[s_.type];
  if (!strchr(fits, letter)) return ck.fail("mapping", "type", ARTCAST_MSG("does not fit this device"));
  if (s_.mapping != MAP_DIRECT && map.member("modulo", v)) {
    s_.has_modulo = true;
    if (!ck.number(map, "mapping", "modulo", 1e-9, 1e300, true, s_.modulo)) return false;
  }
  if (s_.mapping == MAP_LINEAR) {
    if (!ck.pair(map, "mapping", "from", -1e300, 1e300, true, true, false, s_.from)) return false;
    if (s_.type == DEV_SERVO) {
      s_.to[0] = s_.angle[0]; s_.to[1] = s_.angle[1];
      if (!ck.pair(map, "mapping", "to", s_.angle[0], s_.angle[1], false, false, false, s_.to)) return false;
    } else {
      s_.to[0] = 0; s_.to[1] = 1;
      if (!ck.pair(map, "mapping", "to", 0, 1, false, false, false, s_.to)) return false;
    }
  } else if (s_.mapping == MAP_THRESHOLD) {
    if (!ck.number(map, "mapping", "above", -1e300, 1e300, true, s_.above)) return false;
    if (!ck.number(map, "mapping", "hysteresis", 0, 1e300, false, s_.hysteresis)) return false;
    if (s_.type == DEV_NEOPIXEL) {
      fill(s_.on_colour, 255, ch);
      fill(s_.off_colour, 0, ch);
      if (!ck.colour(map, "mapping", "on", ch, s_.on_colour)) return false;
      if (!ck.colour(map, "mapping", "off", ch, s_.off_colour)) return false;
    } else if (s_.type == DEV_PIN) {
      bool on = true, off = false;
      if (!ck.boolean(map, "mapping", "on", on) || !ck.boolean(map, "mapping", "off", off)) return false;
      s_.on_value = on ? 1 : 0;
      s_.off_value = off ? 1 : 0;
    } else if (s_.type == DEV_PWM) {
      s_.on_value = 1.0;
      s_.off_value = 0.0;
      if (!ck.number(map, "mapping", "on", 0, 1, false, s_.on_value)) return false;
      if (!ck.number(map, "mapping", "off", 0, 1, false, s_.off_value)) return false;
    } else {
      if (!ck.number(map, "mapping", "on", s_.angle[0], s_.angle[1], true, s_.on_value)) return false;
      if (!ck.number(map, "mapping", "off", s_.angle[0], s_.angle[1], true, s_.off_value)) return false;
    }
  } else if (s_.mapping == MAP_GRADIENT || s_.mapping == MAP_BAR) {
    if (!ck.pair(map, "mapping", "from", -1e300, 1e300, true, true, false, s_.from)) return false;
    Value pal;
    bool has_palette = map.member("palette", pal);
    if (s_.mapping == MAP_GRADIENT && !has_palette) return ck.fail("mapping", "palette", ARTCAST_MSG("is required"));
    if (has_palette) {
      int n = pal.length();
      if (n < 1 || n > ARTCAST_MAX_PALETTE) return ck.fail("mapping", "palette", ARTCAST_MSG("must be a list of 1..16 colours"));
      for (int i = 0; i < n; i++) {
        Value c;
        if (!pal.item(i, c) || !parse_colour(c, ch, s_.palette[i])) return ck.fail("mapping", "palette", ARTCAST_MSG("has a bad colour"));
      }
      s_.palette_len = n;
    }
    if (s_.mapping == MAP_BAR) {
      if (has_palette && map.member("colour", v)) return ck.fail("mapping", "palette", ARTCAST_MSG("give either colour or palette"));
      fill(s_.colour, 255, 3);
      fill(s_.background, 0, 3);
      if (!ck.colour(map, "mapping", "colour", ch, s_.colour)) return false;
      if (!ck.colour(map, "mapping", "background", ch, s_.background)) return false;
    }
  }

  // --- motion and on_disconnect
  Value motion, disc;
  if (out.member("motion", motion)) {
    if (!ck.object(motion, "motion")) return false;
    if (s_.type == DEV_SERVO) {
      if (!ck.number(motion, "motion", "slew", 0.1, 10000, false, s_.slew)) return false;
    } else if (s_.type != DEV_PIN) {
      if (!ck.number(motion, "motion", "fade", 0, 3600, false, s_.fade)) return false;
    }
  }
  s_.status_index = -1;
  if (out.member("on_disconnect", disc)) {
    char action[8] = "hold";
    if (disc.is(json::STRING)) {
      disc.string(action, sizeof action);
    } else {
      if (!ck.object(disc, "on_disconnect")) return false;
      if (!ck.text(disc, "on_disconnect", "action", false, action, sizeof action)) return false;
      Value sp;
      if (disc.member("status_pixel", sp)) {
        if (s_.type != DEV_NEOPIXEL) return ck.fail("on_disconnect", "status_pixel", ARTCAST_MSG("only a neopixel output has pixels"));
        fill(s_.status_colour, 0, 4);
        s_.status_colour.c[0] = 255;
        double x;
        bool is_int;
        if (sp.number(x, &is_int) && is_int) {
          s_.status_index = (int)x;
        } else {
          if (!ck.object(sp, "on_disconnect.status_pixel")) return false;
          if (!ck.integer(sp, "on_disconnect.status_pixel", "index", 0, s_.count - 1, true, s_.status_index)) return false;
          if (!ck.colour(sp, "on_disconnect.status_pixel", "colour", ch, s_.status_colour)) return false;
        }
        if (s_.status_index < 0 || s_.status_index >= s_.count) return ck.fail("on_disconnect.status_pixel", "index", ARTCAST_MSG("is not a pixel of the strip"));
      }
    }
    if (strcmp(action, "safe") == 0) s_.safe = true;
    else if (strcmp(action, "hold") != 0) return ck.fail("on_disconnect", "action", ARTCAST_MSG("must be \"hold\" or \"safe\""));
  }

  // Honour a datum's play-at (PROTOCOL.md); false: show values at once.
  s_.sync = true;
  if (!ck.boolean(out, "", "sync", s_.sync)) return false;

  configured_ = true;
  brightness_ = s_.type == DEV_NEOPIXEL ? s_.brightness : 1.0;
  online_ = true;
  memory_on_ = false;
  has_value_ = false;
  jump_safe();
  return true;
}

void Output::set_power_cap(double cap) {
  if (s_.type == DEV_NEOPIXEL && cap < brightness_) brightness_ = cap;
  dirty_ = true;
}

}  // namespace artcast
