// See artcast_clock.h.

#include "artcast_clock.h"

namespace artcast {

ClockEstimator::ClockEstimator(int wrap_bits, unsigned long interval_ms)
    : mask_(wrap_bits >= 32 ? 0xFFFFFFFFUL : ((1UL << wrap_bits) - 1)),
      interval_ms_(interval_ms), count_(0), best_(-1), wanted_(BURST), has_next_(false), next_(0) {}

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
  if (wanted_ > 0) wanted_--;
  next_ = wanted_ > 0 ? t1 : add(t1, (long)interval_ms_);
  has_next_ = true;
  long rtt = diff(t1, t0);
  if (rtt < 0 || rtt > MAX_RTT_MS) return false;
  if (count_ == WINDOW) {  // forget the oldest
    for (int i = 1; i < WINDOW; i++) {
      rtt_[i - 1] = rtt_[i];
      mid_[i - 1] = mid_[i];
      server_[i - 1] = server_[i];
    }
    count_--;
  }
  rtt_[count_] = rtt;
  mid_[count_] = add(t0, rtt / 2);
  server_[count_] = server_ms;
  int added = count_++;
  best_ = 0;
  for (int i = 0; i < count_; i++) {
    if (rtt_[i] <= rtt_[best_]) best_ = i;  // ties go to the newer sample
  }
  return best_ == added;
}

bool ClockEstimator::to_local(int64_t server_ms, unsigned long& local) const {
  if (best_ < 0) return false;
  local = add(mid_[best_], (long)(server_ms - server_[best_]));
  return true;
}

bool ClockEstimator::due(unsigned long now) const { return !has_next_ || diff(now, next_) >= 0; }

void ClockEstimator::failed(unsigned long now, unsigned long retry_ms) {
  next_ = add(now, (long)retry_ms);
  has_next_ = true;
}

void ClockEstimator::reconnected(unsigned long now) {
  wanted_ = BURST;
  next_ = now;
  has_next_ = true;
}

}  // namespace artcast
