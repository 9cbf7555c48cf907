// Host test driver: runs shared-vector steps through artcast::Piece and
// artcast::Output (the Arduino sketch's own runtime and mapping code) on a
// simulated millis() clock and prints each resulting state. The vectors
// themselves are read by tests/firmware/test_arduino_vectors.py, which
// feeds this program one command per line on stdin:
//   POWER <supply_amps> <reserve_amps>    for the next CASE
//   CASE <output JSON>                    -> "OK" or "ERROR <message>"
//   IDLE <seconds>                        the clock moves, no frame runs
//   VALUE <JSON>                          -> nothing (remembers accepted/rejected)
//   ONLINE 0|1
//   STEP <dt>                             -> "STATE rejected=<n> <device state>"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artcast_output.h"
#include "artcast_piece.h"

static artcast::Output out;  // big (pixel buffers): not on the stack
static artcast::Piece piece;

static unsigned long ms(const char* seconds) { return (unsigned long)(atof(seconds) * 1000 + 0.5); }

int main() {
  static char line[65536];
  double supply = 0, reserve = 0;
  int rejected = 0;
  unsigned long now = 1000;
  while (fgets(line, sizeof line, stdin)) {
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    if (strncmp(line, "POWER ", 6) == 0) {
      sscanf(line + 6, "%lf %lf", &supply, &reserve);
    } else if (strncmp(line, "CASE ", 5) == 0) {
      char error[128];
      rejected = 0;
      if (out.configure(line + 5, error, sizeof error)) {
        const artcast::Spec& s = out.spec();
        if (supply > 0 && s.type == artcast::DEV_NEOPIXEL) {
          out.set_power_cap(artcast::power_cap(s.count, s.channels, supply, reserve));
        }
        piece = artcast::Piece();
        piece.add(&out);
        piece.start(now);
        printf("OK\n");
      } else {
        printf("ERROR %s\n", error);
      }
      supply = reserve = 0;
    } else if (strncmp(line, "IDLE ", 5) == 0) {
      now += ms(line + 5);
    } else if (strncmp(line, "VALUE ", 6) == 0) {
      rejected += piece.accept(out.key(), line + 6, now);
    } else if (strncmp(line, "ONLINE ", 7) == 0) {
      piece.link(out.key(), line[7] == '1', now);
    } else if (strncmp(line, "STEP ", 5) == 0) {
      now += ms(line + 5);
      piece.frame(now);
      const artcast::Spec& s = out.spec();
      printf("STATE rejected=%d", rejected);
      if (s.type == artcast::DEV_NEOPIXEL) {
        printf(" pixels=");
        for (int i = 0; i < s.count; i++) {
          uint8_t px[4];
          out.pixel(i, px);
          for (int k = 0; k < s.channels; k++) printf("%s%d", k ? "," : (i ? ";" : ""), px[k]);
        }
      } else if (s.type == artcast::DEV_SERVO) {
        if (out.released()) printf(" angle=null pulse_us=null");
        else printf(" angle=%.6f pulse_us=%.6f", out.angle(), out.pulse_us());
      } else if (s.type == artcast::DEV_PIN) {
        printf(" on=%d level=%d", out.on() ? 1 : 0, out.level());
      } else {
        printf(" duty=%.6f", out.duty());
      }
      printf("\n");
    }
    fflush(stdout);
  }
  return 0;
}
