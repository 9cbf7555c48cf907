// Recording stand-in with ESP32Servo's Servo API (tests only).

#ifndef ARTCAST_SHIM_ESP32SERVO_H
#define ARTCAST_SHIM_ESP32SERVO_H

#include "Arduino.h"

class Servo {
 public:
  Servo() : pin_(-1), min_(544), max_(2400), hz_(50) {}
  void setPeriodHertz(int hz) { hz_ = hz; }
  int attach(int pin, int min_us = 544, int max_us = 2400);
  void detach();
  bool attached() const { return pin_ >= 0; }
  void writeMicroseconds(int us);

 private:
  int pin_, min_, max_, hz_;
};

#endif
