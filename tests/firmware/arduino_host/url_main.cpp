// Host driver for the sketch's artcast::parse_url (tests only): one URL per
// line on stdin; prints "OK host port prefix|" or "NO" per line.

#include <stdio.h>
#include <string.h>

#include "artcast_longpoll.h"

int main() {
  char line[512];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = '\0';
    char host[64];
    char prefix[128];
    int port = 0;
    if (artcast::parse_url(line, host, sizeof host, port, prefix, sizeof prefix)) {
      printf("OK %s %d %s|\n", host, port, prefix);
    } else {
      printf("NO\n");
    }
  }
  return 0;
}
