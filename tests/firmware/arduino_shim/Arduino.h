// A small Arduino-API stand-in for building the Artcast sketch on a Linux
// host (tests only; the real board uses the ESP32 Arduino core).
//
// Time is real (millis() from CLOCK_MONOTONIC), pins and outputs are
// recorded as JSON lines [ms, kind, ...] in the file named by
// $ARTCAST_RECORD, the same format as the MicroPython stand-ins:
//   ["pin", pin, level]  ["pixels", pin, "hex wire bytes"]
//   ["servo_attach", pin, min_us, max_us, hz]  ["servo_us", pin, us]
//   ["servo_detach", pin]  ["wifi_begin", ssid]  ["restart"]
//   ["loop_wdt", timeout_ms]  ["loop_max", longest loop() so far, ms]

#ifndef ARTCAST_SHIM_ARDUINO_H
#define ARTCAST_SHIM_ARDUINO_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// This stand-in imitates the ESP32 Arduino core.
#define ARDUINO_ARCH_ESP32 1

#define HIGH 1
#define LOW 0
#define INPUT 0x01
#define OUTPUT 0x03
#define INPUT_PULLUP 0x05

typedef bool boolean;
typedef uint8_t byte;

unsigned long millis();
unsigned long micros();
void delay(unsigned long ms);
void yield();
void pinMode(uint8_t pin, uint8_t mode);
void digitalWrite(uint8_t pin, uint8_t level);
int digitalRead(uint8_t pin);
long random(long max);
long random(long min, long max);
void randomSeed(unsigned long seed);

// The loop-task watchdog of the ESP32 core: after enableLoopWDT() the core
// resets it after every loop(); a loop() longer than its 5 s timeout would
// reset the board. The shim records the longest loop() as ["loop_max", ms].
void enableLoopWDT();
void feedLoopWDT();

// Recording (shim only).
void shim_record(const char* kind, const char* fmt, ...);

class IPAddress {
 public:
  IPAddress() : a_(0), b_(0), c_(0), d_(0) {}
  IPAddress(uint8_t a, uint8_t b, uint8_t c, uint8_t d) : a_(a), b_(b), c_(c), d_(d) {}
  uint8_t operator[](int i) const { return i == 0 ? a_ : i == 1 ? b_ : i == 2 ? c_ : d_; }
  bool operator==(const IPAddress& o) const { return a_ == o.a_ && b_ == o.b_ && c_ == o.c_ && d_ == o.d_; }
  bool operator!=(const IPAddress& o) const { return !(*this == o); }

 private:
  uint8_t a_, b_, c_, d_;
};

class HardwareSerial {
 public:
  void begin(unsigned long) {}
  size_t print(const char* s);
  size_t print(long n);
  size_t print(int n) { return print((long)n); }
  size_t print(unsigned long n) { return print((long)n); }
  size_t print(double x, int digits = 2);
  size_t print(const IPAddress& ip);
  size_t println() { return print("\n"); }
  template <typename T>
  size_t println(const T& x) {
    size_t n = print(x);
    return n + print("\n");
  }
  size_t printf(const char* fmt, ...);
  operator bool() const { return true; }
};

extern HardwareSerial Serial;

class EspClass {
 public:
  void restart();
  uint32_t getFreeHeap();
};

extern EspClass ESP;

#endif
