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

int Piece::accept(const char* key, const char* value_json, unsigned long now_ms) {
  frame(now_ms);  // the ordering rule: catch up first
  int refused = 0;
  for (int i = 0; i < count_; i++) {
    if (strcmp(outputs_[i]->key(), key) == 0 && !outputs_[i]->accept(value_json)) refused++;
  }
  return refused;
}

void Piece::link(const char* key, bool online, unsigned long now_ms) {
  frame(now_ms);  // the ordering rule: catch up first
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
