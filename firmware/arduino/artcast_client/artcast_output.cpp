// Output: value -> target (mapping.py), motion (motion.py), device state
// (output.py). Each function names the Python function whose rule it
// follows; tests/vectors/mapping.json is the judge. No Arduino API.
// The description checking lives in artcast_spec.cpp.

#include "artcast_output.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "artcast_colour.h"

namespace artcast {

using json::Value;

// ---------------------------------------------------------------- values

// mapping.number: numbers, and true/false as 1/0
static bool number_of(const Value& v, double& x) {
  bool b;
  if (v.boolean(b)) {
    x = b ? 1 : 0;
    return true;
  }
  if (!v.number(x)) return false;
  return !(x != x) && !isinf(x);
}

// mapping.fraction: where x sits in [lo, hi], clamped to 0..1
static double fraction(double x, double lo, double hi) {
  double t = (x - lo) / (hi - lo);
  return t < 0 ? 0.0 : t > 1 ? 1.0 : t;
}

static double clamp(double x, double lo, double hi) {
  if (lo > hi) { double t = lo; lo = hi; hi = t; }
  return x < lo ? lo : x > hi ? hi : x;
}

// mapping.select: "a.b.0" into objects and lists
static bool select_field(const char* field, Value value, Value& out) {
  const char* seg = field;
  while (*seg) {
    const char* dot = strchr(seg, '.');
    size_t len = dot ? (size_t)(dot - seg) : strlen(seg);
    char name[ARTCAST_MAX_FIELD];
    memcpy(name, seg, len);
    name[len] = '\0';
    if (value.is(json::OBJECT)) {
      if (!value.member(name, value)) return false;
    } else if (value.is(json::ARRAY)) {
      char* end;
      long i = strtol(name, &end, 10);
      if (!len || *end || i < 0 || !value.item((int)i, value)) return false;
    } else {
      return false;
    }
    seg += len;
    if (*seg == '.') seg++;
  }
  out = value;
  return true;
}

// mapping.map_value: the target for one value. Strip targets go into
// `pixels`; number targets (angle, level, on) into x.
bool Output::map_value(const Value& value, Colour* pixels, double& x) {
  int n = s_.count;
  int ch = s_.channels;
  if (s_.mapping == MAP_DIRECT) {
    if (s_.type == DEV_NEOPIXEL) {
      Value first;
      if (value.is(json::ARRAY) && value.item(0, first) &&
          (first.is(json::ARRAY) || first.is(json::STRING))) {
        Colour off;
        fill(off, 0, 4);
        for (int i = 0; i < n; i++) {
          Value c;
          if (!value.item(i, c)) {
            pixels[i] = off;
          } else if (!parse_colour(c, ch, pixels[i])) {
            return false;
          }
        }
        return true;
      }
      Colour one;
      if (!parse_colour(value, ch, one)) return false;
      for (int i = 0; i < n; i++) pixels[i] = one;
      return true;
    }
    bool b;
    if (s_.type == DEV_PIN) {
      if (value.boolean(b)) { x = b ? 1 : 0; return true; }
      if (!number_of(value, x)) return false;
      x = x != 0 ? 1 : 0;
      return true;
    }
    if (!number_of(value, x)) return false;
    x = s_.type == DEV_SERVO ? clamp(x, s_.angle[0], s_.angle[1]) : clamp(x, 0, 1);
    return true;
  }

  double v;
  if (!number_of(value, v)) return false;
  if (s_.has_modulo) v = v - s_.modulo * floor(v / s_.modulo);

  if (s_.mapping == MAP_LINEAR) {
    x = s_.to[0] + (s_.to[1] - s_.to[0]) * fraction(v, s_.from[0], s_.from[1]);
    return true;
  }
  if (s_.mapping == MAP_THRESHOLD) {
    bool on = (memory_on_ && v > s_.above - s_.hysteresis) || v > s_.above;
    memory_on_ = on;
    if (s_.type == DEV_NEOPIXEL) {
      for (int i = 0; i < n; i++) pixels[i] = on ? s_.on_colour : s_.off_colour;
    } else {
      x = on ? s_.on_value : s_.off_value;
    }
    return true;
  }
  if (s_.mapping == MAP_GRADIENT) {
    Colour c = palette_at(s_.palette, s_.palette_len, fraction(v, s_.from[0], s_.from[1]));
    for (int i = 0; i < n; i++) pixels[i] = c;
    return true;
  }
  // bar
  double lit = fraction(v, s_.from[0], s_.from[1]) * n;
  int full = (int)lit;
  double part = lit - full;
  for (int i = 0; i < n; i++) {
    Colour c = s_.palette_len ? palette_at(s_.palette, s_.palette_len, n > 1 ? (double)i / (n - 1) : 0)
                              : s_.colour;
    if (i < full) pixels[i] = c;
    else if (i == full && part > 0) pixels[i] = blend(s_.background, c, part);
    else pixels[i] = s_.background;
  }
  return true;
}

bool Output::accept(const char* value_json) {
  Value v;
  if (!json::parse(value_json, v)) return false;
  return accept(v);
}

bool Output::accept(const Value& raw) {
  if (!configured_) return false;
  Value value = raw;
  if (s_.field[0] && !select_field(s_.field, raw, value)) return false;
  Colour pixels[ARTCAST_MAX_PIXELS];  // the new target, committed only if it fits
  double x = 0;
  bool memory = memory_on_;
  if (!map_value(value, pixels, x)) {
    memory_on_ = memory;  // a rejected value changes nothing
    return false;
  }
  if (s_.type == DEV_NEOPIXEL) set_target_pixels(pixels);
  else set_target_number(x, false);
  dirty_ = true;
  // Keep the raw value to show again after a "safe" disconnect.
  const char* end = json::skip(raw.p);
  size_t len = end ? (size_t)(end - raw.p) : 0;
  has_value_ = end && len < sizeof last_value_;
  if (has_value_) {
    memmove(last_value_, raw.p, len);
    last_value_[len] = '\0';
  }
  return true;
}

// ---------------------------------------------------------------- motion

// motion.Fade.set_target for strips
void Output::set_target_pixels(const Colour* pixels) {
  memcpy(target_, pixels, sizeof(Colour) * s_.count);
  if (s_.fade <= 0) {
    memcpy(cur_, target_, sizeof(Colour) * s_.count);
    fading_ = false;
  } else {
    memcpy(start_, cur_, sizeof(Colour) * s_.count);
    elapsed_ = 0;
    fading_ = true;
  }
}

// motion.Slew.set_target (servo), Fade.set_target (pwm), jump (pin)
void Output::set_target_number(double x, bool none) {
  if (s_.type == DEV_SERVO) {
    servo_has_target_ = !none;
    servo_target_ = x;
    if (none || !servo_has_cur_ || s_.slew <= 0) {
      servo_has_cur_ = !none;
      servo_cur_ = x;
    }
  } else if (s_.type == DEV_PIN) {
    pin_on_ = x != 0;
  } else {
    level_target_ = x;
    if (s_.fade <= 0) {
      level_cur_ = x;
      fading_ = false;
    } else {
      level_start_ = level_cur_;
      elapsed_ = 0;
      fading_ = true;
    }
  }
}

// motion.jump to output.safe_target
void Output::jump_safe() {
  fading_ = false;
  if (s_.type == DEV_NEOPIXEL) {
    memset(cur_, 0, sizeof(Colour) * s_.count);
    memcpy(target_, cur_, sizeof(Colour) * s_.count);
  } else if (s_.type == DEV_SERVO) {
    servo_has_cur_ = servo_has_target_ = false;
  } else if (s_.type == DEV_PIN) {
    pin_on_ = false;
  } else {
    level_cur_ = level_target_ = 0;
  }
  dirty_ = true;
}

void Output::park() {
  jump_safe();
  online_ = true;
}

// output.Output.set_online
void Output::set_online(bool online) {
  if (online == online_) return;
  online_ = online;
  dirty_ = true;
  if (!s_.safe) return;
  if (!online) {
    jump_safe();
    memory_on_ = false;
  } else if (has_value_) {
    // Back online: the server answers If-None-Match with 204 while the
    // value is unchanged, so show the last value again now.
    accept(last_value_);
  }
}

bool Output::moving() const {
  if (s_.type == DEV_SERVO) {
    return servo_has_cur_ != servo_has_target_ || (servo_has_cur_ && servo_cur_ != servo_target_);
  }
  return fading_;
}

bool Output::frame(double dt) {
  bool was_moving = moving();
  if (s_.type == DEV_SERVO) {
    if (servo_has_cur_ && servo_has_target_) {
      double gap = servo_target_ - servo_cur_;
      double room = s_.slew * dt;
      if (-room <= gap && gap <= room) servo_cur_ = servo_target_;
      else if (gap > 0) servo_cur_ += room;
      else servo_cur_ -= room;
    }
  } else if (fading_) {
    elapsed_ += dt;
    double t = elapsed_ / s_.fade;
    if (t >= 1) {
      fading_ = false;
      if (s_.type == DEV_NEOPIXEL) memcpy(cur_, target_, sizeof(Colour) * s_.count);
      else level_cur_ = level_target_;
    } else if (s_.type == DEV_NEOPIXEL) {
      for (int i = 0; i < s_.count; i++) cur_[i] = blend(start_[i], target_[i], t);
    } else {
      level_cur_ = level_start_ + (level_target_ - level_start_) * t;
    }
  }
  bool changed = dirty_ || was_moving;
  dirty_ = false;
  return changed;
}

// ---------------------------------------------------------------- state

void Output::pixel(int i, uint8_t out[4]) const {
  const Colour* c = &cur_[i];
  if (!online_ && i == s_.status_index) c = &s_.status_colour;
  for (int k = 0; k < 4; k++) {
    out[k] = brightness_ >= 1 ? c->c[k] : to_byte(c->c[k] * brightness_);
  }
}

double Output::pulse_us() const {
  if (!servo_has_cur_) return 0;
  return s_.pulse[0] + (s_.pulse[1] - s_.pulse[0]) * (servo_cur_ - s_.angle[0]) / (s_.angle[1] - s_.angle[0]);
}

double Output::servo_duty() const {
  return servo_has_cur_ ? pulse_us() * s_.frequency / 1000000.0 : 0.0;
}

double Output::duty() const {
  if (level_cur_ <= 0) return 0;
  return s_.duty[0] + (s_.duty[1] - s_.duty[0]) * level_cur_;
}

}  // namespace artcast
