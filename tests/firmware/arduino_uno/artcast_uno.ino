// Compile check for an Arduino Uno (tests/firmware/test_arduino_uno.py):
// the sketch's portable code (JSON reader, output mapping and motion,
// long-poll protocol) must build for an 8-bit AVR with 2 KB of RAM too.
// An Uno has no Wi-Fi: this proves the logic is plain, portable C++, not
// that an Uno is a good Artcast client (use an ESP32).

#include "artcast_longpoll.h"
#include "artcast_output.h"

artcast::Output out;
artcast::LongPoll poll("test/tick");

void setup() {
  Serial.begin(115200);
  char text[110];
  if (!out.configure("{\"key\":\"test/tick\",\"device\":{\"type\":\"neopixel\",\"pin\":6,\"count\":8},"
                     "\"mapping\":{\"type\":\"bar\",\"from\":[0,8]}}", text, 40)) {
    Serial.println(text);
  }
  int n = poll.request(text, sizeof text, "192.168.1.20", 8888);
  Serial.println(n);
  char answer[] = "HTTP/1.1 200 OK\r\nETag: \"e1\"\r\nContent-Length: 1\r\n\r\n3";
  const char* value;
  if (poll.handle(answer, sizeof answer - 1, &value) == 1) out.accept(value);
  out.frame(0.02);
  uint8_t px[4];
  out.pixel(2, px);
  Serial.println(px[0]);
}

void loop() {}
