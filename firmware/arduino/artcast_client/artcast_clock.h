// Shared time for play-at: the C++ twin of clients/artcast_core/clock.py
// (ClockEstimator), held to it by tests/vectors/mapping.json ("clock").
//
// A GET /clock round trip (t0 local, server ms, t1 local) bounds the local
// moment the server's clock read server ms: not before t0, not after t1.
// The estimate keeps the tightest lower bound and the tightest upper bound
// of any samples (an older bound counts as 1 ms looser per
// DRIFT_MS_PER_MS ms of age, for clock drift, and gives way to any sample
// once older than twice the interval) and takes the middle;
// to_local() turns a server time (an Artcast-Play-At) into millis().
// Local times wrap: every difference goes through diff(), so the ~49-day
// millis() wrap is harmless (the vectors also check a 2^30 wrap, as
// MicroPython's ticks_ms). Two bounds, no sample list: a few dozen bytes.
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
  static const long MAX_RTT_MS = 5000;
  static const int BURST = 16;
  static const unsigned long SPACING_MS = 250UL;
  static const unsigned long INTERVAL_MS = 60000UL;
  static const unsigned long RETRY_MS = 5000UL;
  static const long DRIFT_MS_PER_MS = 20000;  // 50 ppm

  // wrap_bits: local times wrap at 2^wrap_bits (32 for millis()).
  explicit ClockEstimator(int wrap_bits = 32, unsigned long interval_ms = INTERVAL_MS);

  // true when this sample changed the estimate.
  bool sample(unsigned long t0, int64_t server_ms, unsigned long t1);
  // server ms -> local ms; false before the first good sample.
  bool to_local(int64_t server_ms, unsigned long& local) const;
  bool due(unsigned long now) const;
  void failed(unsigned long now, unsigned long retry_ms = RETRY_MS);
  void reconnected(unsigned long now);
  bool has_estimate() const { return has_estimate_; }
  // Width of the bounds (ms): the estimate is off by at most half of it.
  long rtt() const { return has_estimate_ ? width_ : -1; }

  long diff(unsigned long a, unsigned long b) const;   // a - b, wrapping
  unsigned long add(unsigned long t, long ms) const;   // t + ms, wrapping

 private:
  unsigned long mask_;
  unsigned long interval_ms_;
  unsigned long low_t_;    // the lower bound: server low_s_ was read no earlier than low_t_
  int64_t low_s_;
  unsigned long high_t_;   // the upper bound: server high_s_ was read no later than high_t_
  int64_t high_s_;
  long width_;
  unsigned long mid_;      // the estimate: server low_s_ is read at mid_
  bool has_estimate_;
  bool fresh_;             // the next sample starts a new estimate
  int taken_;              // samples taken in this burst (0: none under way)
  bool has_next_;
  unsigned long next_;
};

}  // namespace artcast

#endif
