// WiFi stand-in (tests only): the station "joins" at once unless the file
// named by $STUB_WIFI_DOWN exists; WiFiClient is a real TCP socket.

#ifndef ARTCAST_SHIM_WIFI_H
#define ARTCAST_SHIM_WIFI_H

#include "Arduino.h"

typedef enum { WL_IDLE_STATUS = 0, WL_NO_SSID_AVAIL = 1, WL_CONNECTED = 3, WL_CONNECT_FAILED = 4,
               WL_CONNECTION_LOST = 5, WL_DISCONNECTED = 6 } wl_status_t;
typedef enum { WIFI_OFF = 0, WIFI_STA = 1, WIFI_AP = 2 } wifi_mode_t;

class WiFiClass {
 public:
  bool mode(wifi_mode_t) { return true; }
  bool setHostname(const char* name);
  wl_status_t begin(const char* ssid, const char* password = 0);
  bool reconnect();
  bool disconnect(bool = false);
  wl_status_t status();
  bool isConnected() { return status() == WL_CONNECTED; }
  IPAddress localIP() { return IPAddress(127, 0, 0, 1); }
  int hostByName(const char* host, IPAddress& out);
  void setAutoReconnect(bool) {}
  bool setSleep(bool enabled);   // recorded: ["wifi_sleep", 0|1]

 private:
  bool begun_ = false;
};

extern WiFiClass WiFi;

class WiFiClient {
 public:
  WiFiClient() : fd_(-1) {}
  ~WiFiClient() { stop(); }
  int connect(IPAddress ip, uint16_t port, int32_t timeout_ms = 3000);
  int connect(const char* host, uint16_t port, int32_t timeout_ms = 3000);
  size_t write(const uint8_t* buf, size_t size);
  size_t print(const char* s) { return write((const uint8_t*)s, strlen(s)); }
  int available();
  int read(uint8_t* buf, size_t size);
  int read();
  uint8_t connected();
  void stop();
  operator bool() { return connected(); }

 private:
  int fd_;
};

#endif
