// Shared time for play-at: the C++ twin of clients/artcast_core/clock.py
// (ClockEstimator), held to it by tests/vectors/mapping.json ("clock").
//
// A GET /clock round trip gives (t0 local, server ms, t1 local); of the
// last WINDOW samples the one with the smallest round trip is the
// estimate, and to_local() turns a server time (an Artcast-Play-At) into
// millis(). Local times wrap: every difference goes through diff(), so the
// ~49-day millis() wrap is harmless (the vectors also check a 2^30 wrap,
// as MicroPython's ticks_ms).
//
//   artcast::ClockEstimator clock;
//   if (clock.due(millis())) { ... GET /clock ...; clock.sample(t0, server_ms, t1); }
//   unsigned long local;
//   if (clock.to_local(play_at, local)) ... hold the value until millis() reaches local
//
// Never calls the Arduino API: it builds and is tested on the host.

#ifndef ARTCAST_CLOCK_H
#define ARTCAST_CLOCK_H

#include <stdint.h>

namespace artcast {

class ClockEstimator {
 public:
  static const int WINDOW = 5;
  static const long MAX_RTT_MS = 5000;
  static const int BURST = 3;
  static const unsigned long INTERVAL_MS = 60000UL;
  static const unsigned long RETRY_MS = 5000UL;

  // wrap_bits: local times wrap at 2^wrap_bits (32 for millis()).
  explicit ClockEstimator(int wrap_bits = 32, unsigned long interval_ms = INTERVAL_MS);

  // true when this sample is now the estimate.
  bool sample(unsigned long t0, int64_t server_ms, unsigned long t1);
  // server ms -> local ms; false before the first good sample.
  bool to_local(int64_t server_ms, unsigned long& local) const;
  bool due(unsigned long now) const;
  void failed(unsigned long now, unsigned long retry_ms = RETRY_MS);
  void reconnected(unsigned long now);
  bool has_estimate() const { return best_ >= 0; }
  long rtt() const { return best_ >= 0 ? rtt_[best_] : -1; }

  long diff(unsigned long a, unsigned long b) const;   // a - b, wrapping
  unsigned long add(unsigned long t, long ms) const;   // t + ms, wrapping

 private:
  unsigned long mask_;
  unsigned long interval_ms_;
  long rtt_[WINDOW];
  unsigned long mid_[WINDOW];
  int64_t server_[WINDOW];
  int count_;      // samples kept, oldest first
  int best_;       // index of the estimate, -1 = none
  int wanted_;     // samples still wanted back to back
  bool has_next_;
  unsigned long next_;
};

}  // namespace artcast

#endif
