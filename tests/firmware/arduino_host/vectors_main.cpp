// Host test driver: runs shared-vector steps through artcast::Piece and
// artcast::Output (the Arduino sketch's own runtime and mapping code) on a
// simulated millis() clock and prints each resulting state. The vectors
// themselves are read by tests/firmware/test_arduino_vectors.py, which
// feeds this program one command per line on stdin:
//   POWER <supply_amps> <reserve_amps>    for the next CASE
//   CASE <output JSON>                    -> "OK" or "ERROR <message>"
//   IDLE <seconds>                        the clock moves, no frame runs
//   VALUE <JSON>                          -> nothing (remembers accepted/rejected)
//   DUE <seconds> <JSON>                  a VALUE with a play-at that many seconds from now
//   ONLINE 0|1
//   STEP <dt>                             -> "STATE rejected=<n> late=<n> <device state>"
// and for the "clock" vectors (artcast::ClockEstimator):
//   CLOCK <wrap bits>                     a new estimator (32: millis())
//   SAMPLE <t0> <server ms> <t1>          -> "USED 0|1"
//   TOLOCAL <server ms>                   -> "LOCAL <ms>" or "LOCAL null"
//   ISDUE <now>                           -> "ISDUE 0|1"
//   RTT                                   -> "RTT <width ms>" or "RTT null"
//   FAILED <now> / RECONNECTED <now>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artcast_clock.h"
#include "artcast_output.h"
#include "artcast_piece.h"

static artcast::Output out;  // big (pixel buffers): not on the stack
static artcast::Piece piece;

static artcast::ClockEstimator clock_est;

static unsigned long ms(const char* seconds) { return (unsigned long)(atof(seconds) * 1000 + 0.5); }
static long signed_ms(double seconds) { return seconds >= 0 ? (long)(seconds * 1000 + 0.5) : -(long)(-seconds * 1000 + 0.5); }

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
    } else if (strncmp(line, "DUE ", 4) == 0) {
      char* rest;
      double due = strtod(line + 4, &rest);
      while (*rest == ' ') rest++;
      rejected += piece.accept(out.key(), rest, now, true, now + signed_ms(due));
    } else if (strncmp(line, "CLOCK ", 6) == 0) {
      clock_est = artcast::ClockEstimator(atoi(line + 6));
    } else if (strncmp(line, "SAMPLE ", 7) == 0) {
      unsigned long t0, t1;
      long long server;
      sscanf(line + 7, "%lu %lld %lu", &t0, &server, &t1);
      printf("USED %d\n", clock_est.sample(t0, server, t1) ? 1 : 0);
    } else if (strncmp(line, "TOLOCAL ", 8) == 0) {
      unsigned long local;
      if (clock_est.to_local(atoll(line + 8), local)) printf("LOCAL %lu\n", local);
      else printf("LOCAL null\n");
    } else if (strcmp(line, "RTT") == 0) {
      if (clock_est.has_estimate()) printf("RTT %ld\n", clock_est.rtt());
      else printf("RTT null\n");
    } else if (strncmp(line, "ISDUE ", 6) == 0) {
      printf("ISDUE %d\n", clock_est.due(strtoul(line + 6, 0, 10)) ? 1 : 0);
    } else if (strncmp(line, "FAILED ", 7) == 0) {
      clock_est.failed(strtoul(line + 7, 0, 10));
    } else if (strncmp(line, "RECONNECTED ", 12) == 0) {
      clock_est.reconnected(strtoul(line + 12, 0, 10));
    } else if (strncmp(line, "ONLINE ", 7) == 0) {
      piece.link(out.key(), line[7] == '1', now);
    } else if (strncmp(line, "STEP ", 5) == 0) {
      now += ms(line + 5);
      piece.frame(now);
      const artcast::Spec& s = out.spec();
      printf("STATE rejected=%d late=%lu", rejected, piece.late());
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
