// See artcast_piece.h.

#include "artcast_piece.h"

#include <string.h>

namespace artcast {

bool Piece::add(Output* out) {
  if (count_ >= MAX_OUTPUTS) return false;
  outputs_[count_++] = out;
  return true;
}

void Piece::start(unsigned long now_ms) {
  started_ = true;
  last_ms_ = now_ms;
  for (int i = 0; i < count_; i++) {
    outputs_[i]->frame(0);
    if (write_) write_(i);
  }
}

bool Piece::frame(unsigned long now_ms) {
  if (!started_) return false;
  bool wrote = false;
  while (pending_count_ > 0 && (long)(now_ms - pending_[0].due) >= 0) {
    Pending& p = pending_[0];
    if ((long)(p.due - last_ms_) > 0 && advance(p.due)) wrote = true;  // motion up to the moment first
    outputs_[p.index]->accept(p.value);
    drop_first();
  }
  return advance(now_ms) || wrote;
}

void Piece::drop_first() {
  for (int i = 1; i < pending_count_; i++) pending_[i - 1] = pending_[i];
  pending_count_--;
}

bool Piece::advance(unsigned long now_ms) {
  // Unsigned subtraction: right across the ~49-day millis() wrap.
  double dt = (unsigned long)(now_ms - last_ms_) / 1000.0;
  last_ms_ = now_ms;
  bool wrote = false;
  for (int i = 0; i < count_; i++) {
    if (outputs_[i]->frame(dt)) {
      if (write_) write_(i);
      wrote = true;
    }
  }
  return wrote;
}

int Piece::accept(const char* key, const char* value_json, unsigned long now_ms, bool has_due,
                  unsigned long due_ms) {
  frame(now_ms);  // the ordering rule: catch up first
  if (has_due && (long)(due_ms - now_ms) <= 0) {
    if ((long)(due_ms - now_ms) < 0 && syncs(key)) late_++;
    has_due = false;  // its moment has come (or gone): at once
  }
  int refused = 0;
  for (int i = 0; i < count_; i++) {
    if (strcmp(outputs_[i]->key(), key) != 0) continue;
    if (has_due && outputs_[i]->spec().sync && hold(due_ms, i, value_json)) continue;
    if (!outputs_[i]->accept(value_json)) refused++;
  }
  return refused;
}

bool Piece::syncs(const char* key) const {
  for (int i = 0; i < count_; i++) {
    if (strcmp(outputs_[i]->key(), key) == 0 && outputs_[i]->spec().sync) return true;
  }
  return false;
}

bool Piece::hold(unsigned long due_ms, int index, const char* value_json) {
  size_t n = strlen(value_json);
  if (n >= ARTCAST_PENDING_VALUE) return false;  // too long to hold: shown at once
  if (pending_count_ == ARTCAST_PENDING) {
    drop_first();
    dropped_++;
  }
  int at = pending_count_;
  while (at > 0 && (long)(pending_[at - 1].due - due_ms) > 0) {  // equal moments keep arrival order
    pending_[at] = pending_[at - 1];
    at--;
  }
  pending_[at].due = due_ms;
  pending_[at].index = index;
  memcpy(pending_[at].value, value_json, n + 1);
  pending_count_++;
  return true;
}

bool Piece::next_due(unsigned long now_ms, unsigned long& wait_ms) const {
  if (pending_count_ == 0) return false;
  long wait = (long)(pending_[0].due - now_ms);
  wait_ms = wait > 0 ? (unsigned long)wait : 0;
  return true;
}

void Piece::link(const char* key, bool online, unsigned long now_ms) {
  frame(now_ms);  // the ordering rule: catch up first
  if (!online) {  // held values of a lost key are dropped (the poll asks afresh)
    int kept = 0;
    for (int i = 0; i < pending_count_; i++) {
      if (strcmp(outputs_[pending_[i].index]->key(), key) != 0) pending_[kept++] = pending_[i];
    }
    pending_count_ = kept;
  }
  for (int i = 0; i < count_; i++) {
    if (strcmp(outputs_[i]->key(), key) == 0) outputs_[i]->set_online(online);
  }
}

bool Piece::moving() const {
  for (int i = 0; i < count_; i++) {
    if (outputs_[i]->moving()) return true;
  }
  return false;
}

}  // namespace artcast
