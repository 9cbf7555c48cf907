// The outputs of the sketch between the network and the devices: the C++
// twin of the shared Python piece runtime (clients/artcast_core/runtime.py,
// PieceRuntime), held to it by tests/vectors/mapping.json.
//
// Times are millis(). The ordering rule lives here, once: motion is brought
// up to `now` BEFORE a value or a link change is taken, so a fade or slew
// that starts after idle time lasts its full time instead of jumping to its
// end on the next frame.
//
//   artcast::Piece piece;
//   piece.add(&strip_out);
//   piece.on_write(write_output);      // void write_output(int index)
//   piece.start(millis());             // the first (safe) states
//   piece.accept("test/tick", "3", millis());
//   piece.frame(millis());             // advance, write what changed: now and every frame
//
// Never calls the Arduino API: it builds and is tested on the host.

#ifndef ARTCAST_PIECE_H
#define ARTCAST_PIECE_H

#include "artcast_output.h"

namespace artcast {

class Piece {
 public:
  static const int MAX_OUTPUTS = 2;
  typedef void (*WriteFn)(int index);  // output `index` changed: write it to its device

  Piece() : count_(0), write_(0), last_ms_(0), started_(false) {}

  bool add(Output* out);
  void on_write(WriteFn fn) { write_ = fn; }
  int count() const { return count_; }
  Output* output(int i) { return outputs_[i]; }
  unsigned long last_ms() const { return last_ms_; }

  // Devices are ready: write every output's first (safe) state.
  void start(unsigned long now_ms);
  // Advance motion to now_ms; write what changed. True if anything was.
  bool frame(unsigned long now_ms);
  // A value (JSON text) for `key` arrived at now_ms. Returns how many of
  // the outputs following `key` refused it (they keep their state). The
  // new target is written by the next frame() (the sketch draws it at the
  // end of the same loop()).
  int accept(const char* key, const char* value_json, unsigned long now_ms);
  // The long-poll for `key` reached the server (true) or lost it (false);
  // shown by the next frame(), as for accept().
  void link(const char* key, bool online, unsigned long now_ms);
  bool moving() const;

 private:
  Output* outputs_[MAX_OUTPUTS];
  int count_;
  WriteFn write_;
  unsigned long last_ms_;
  bool started_;
};

}  // namespace artcast

#endif
