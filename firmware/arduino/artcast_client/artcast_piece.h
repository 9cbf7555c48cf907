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
// Play-at (PROTOCOL.md, "Shared time and play-at"): accept() may say when
// the value is due (millis(), from artcast::ClockEstimator). Outputs with
// "sync" (the default) hold it until then; the frame() that passes the
// moment advances motion TO it, takes the value there, then goes on to its
// own now, so a fade starts exactly on time. A moment already passed: taken
// at once and counted in late(). As in the Python runtime (runtime.py).
// At most ARTCAST_PENDING values of up to ARTCAST_PENDING_VALUE bytes are
// held; past that the soonest is dropped, and a longer value is shown at once.
//
// Never calls the Arduino API: it builds and is tested on the host.

#ifndef ARTCAST_PIECE_H
#define ARTCAST_PIECE_H

#include "artcast_output.h"

#ifndef ARTCAST_PENDING
#if defined(__AVR__)
#define ARTCAST_PENDING 2
#else
#define ARTCAST_PENDING 8
#endif
#endif
#ifndef ARTCAST_PENDING_VALUE
#if defined(__AVR__)
#define ARTCAST_PENDING_VALUE 24
#else
#define ARTCAST_PENDING_VALUE 128
#endif
#endif

namespace artcast {

class Piece {
 public:
  static const int MAX_OUTPUTS = 2;
  typedef void (*WriteFn)(int index);  // output `index` changed: write it to its device

  Piece() : count_(0), write_(0), last_ms_(0), started_(false), pending_count_(0), late_(0), dropped_(0) {}

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
  // With has_due, the outputs that sync hold it until due_ms (play-at).
  int accept(const char* key, const char* value_json, unsigned long now_ms, bool has_due = false,
             unsigned long due_ms = 0);
  // The long-poll for `key` reached the server (true) or lost it (false);
  // shown by the next frame(), as for accept().
  void link(const char* key, bool online, unsigned long now_ms);
  bool moving() const;
  // ms until the soonest held value is due (0: now); false when none is held.
  bool next_due(unsigned long now_ms, unsigned long& wait_ms) const;
  // Values whose play-at had passed when they arrived; held values dropped.
  unsigned long late() const { return late_; }
  unsigned long dropped() const { return dropped_; }

 private:
  struct Pending {
    unsigned long due;
    int index;
    char value[ARTCAST_PENDING_VALUE];
  };
  bool advance(unsigned long now_ms);
  bool hold(unsigned long due_ms, int index, const char* value_json);
  void drop_first();
  bool syncs(const char* key) const;

  Output* outputs_[MAX_OUTPUTS];
  int count_;
  WriteFn write_;
  unsigned long last_ms_;
  bool started_;
  Pending pending_[ARTCAST_PENDING];  // soonest first
  int pending_count_;
  unsigned long late_, dropped_;
};

}  // namespace artcast

#endif
