// See artcast_clock.h.

#include "artcast_clock.h"

namespace artcast {

ClockEstimator::ClockEstimator(int wrap_bits, unsigned long interval_ms)
    : mask_(wrap_bits >= 32 ? 0xFFFFFFFFUL : ((1UL << wrap_bits) - 1)),
      interval_ms_(interval_ms), low_t_(0), low_s_(0), high_t_(0), high_s_(0), width_(0), mid_(0),
      has_estimate_(false), fresh_(true), taken_(0), has_next_(false), next_(0) {}

long ClockEstimator::diff(unsigned long a, unsigned long b) const {
  unsigned long d = (a - b) & mask_;
  unsigned long half = (mask_ >> 1) + 1;
  // Past half the period the difference is negative (ticks_diff).
  return d >= half ? -(long)(mask_ - d) - 1 : (long)d;
}

unsigned long ClockEstimator::add(unsigned long t, long ms) const {
  return (t + (unsigned long)ms) & mask_;
}

bool ClockEstimator::sample(unsigned long t0, int64_t server_ms, unsigned long t1) {
  if (++taken_ < BURST) {
    next_ = add(t1, (long)SPACING_MS);
  } else {  // the burst is done: the next one an interval later
    taken_ = 0;
    next_ = add(t1, (long)interval_ms_);
  }
  has_next_ = true;
  long rtt = diff(t1, t0);
  if (rtt < 0 || rtt > MAX_RTT_MS) return false;
  bool use_low = true, use_high = true;
  long loose_low = 0, loose_high = 0;  // ms an old bound is loosened for its age
  if (!fresh_) {
    // Each old bound, moved to this sample's server time and loosened for
    // its age, against the new one (a tie: the newer). One too old, or
    // whose age reads negative (older than the wrap), is replaced.
    long limit = 2 * (long)interval_ms_;
    long age = diff(t0, low_t_);
    loose_low = age / DRIFT_MS_PER_MS;
    use_low = age < 0 || age > limit || (int64_t)age - (server_ms - low_s_) + loose_low >= 0;
    age = diff(t1, high_t_);
    loose_high = age / DRIFT_MS_PER_MS;
    use_high = age < 0 || age > limit || (server_ms - high_s_) - (int64_t)age + loose_high >= 0;
    if (!use_low && !use_high) return false;
  }
  if (use_low) {
    low_t_ = t0;
    low_s_ = server_ms;
    loose_low = 0;
  }
  if (use_high) {
    high_t_ = t1;
    high_s_ = server_ms;
    loose_high = 0;
  }
  // Width: the (loosened) upper bound minus the (loosened) lower one, at
  // the lower one's server time.
  int64_t width = (int64_t)diff(high_t_, low_t_) - (high_s_ - low_s_) + loose_low + loose_high;
  if (width < 0) {  // the bounds crossed: start again from this sample
    low_t_ = t0;
    high_t_ = t1;
    low_s_ = high_s_ = server_ms;
    loose_low = 0;
    width = rtt;
  }
  fresh_ = false;
  has_estimate_ = true;
  width_ = (long)width;
  mid_ = add(low_t_, width_ / 2 - loose_low);
  return true;
}

bool ClockEstimator::to_local(int64_t server_ms, unsigned long& local) const {
  if (!has_estimate_) return false;
  local = add(mid_, (long)(server_ms - low_s_));
  return true;
}

bool ClockEstimator::due(unsigned long now) const { return !has_next_ || diff(now, next_) >= 0; }

void ClockEstimator::failed(unsigned long now, unsigned long retry_ms) {
  next_ = add(now, (long)retry_ms);
  has_next_ = true;
}

void ClockEstimator::reconnected(unsigned long now) {
  taken_ = 0;
  next_ = now;
  has_next_ = true;
  fresh_ = true;
}

}  // namespace artcast
