// ESPmDNS stand-in (tests only): queryHost("name") looks "name" up with
// getaddrinfo, so a test can use a server URL like http://localhost.local.

#ifndef ARTCAST_SHIM_ESPMDNS_H
#define ARTCAST_SHIM_ESPMDNS_H

#include "Arduino.h"

class MDNSResponder {
 public:
  bool begin(const char* hostname);
  IPAddress queryHost(const char* host, uint32_t timeout_ms = 2000);
};

extern MDNSResponder MDNS;

#endif
