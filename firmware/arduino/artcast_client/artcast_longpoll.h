// The Artcast long-poll protocol for the Arduino sketch: the same state
// machine as clients/artcast_core/longpoll.py (PROTOCOL.md, "GET
// /artcasts/<key>": following a key), as plain C++ over char buffers so it builds and is tested on the
// host. The sketch moves the bytes; this decides what to send and what an
// answer means.
//
//   artcast::LongPoll poll("test/tick");
//   poll.set_keep_alive(true);
//   char request[256];
//   int n = poll.request(request, sizeof request, "artcast.local", 8888);
//   ... send n bytes, read into `answer` until response_end() says it is
//   whole (or the server closes), giving up after poll.socket_timeout_ms();
//   keep the connection for the next request while keeps_alive() ...
//   const char* value;
//   int r = poll.handle(answer, answer_len, &value);
//   // 1: new value (JSON text, NUL-terminated inside `answer`), 0: nothing
//   // new (204), -1: bad answer or HTTP error (back off, poll.reset())
//
// First request: ?wait=0 (show the current value at once); then
// If-None-Match with the last ETag and ?wait=hold, so the client never
// misses the latest state however slow it is.

#ifndef ARTCAST_LONGPOLL_H
#define ARTCAST_LONGPOLL_H

#include <stddef.h>
#include <stdint.h>

namespace artcast {

// Ask the server to hold each request this long (s): below its default
// --poll-timeout (25). The socket gives up SOCKET_MARGIN seconds later.
const int DEFAULT_HOLD = 20;
const int SOCKET_MARGIN = 10;

class LongPoll {
 public:
  // text = true asks for ?format=text (bare numbers and strings; see
  // text_as_json below) instead of JSON.
  explicit LongPoll(const char* key = "", int hold = DEFAULT_HOLD, const char* prefix = "",
                    bool text = false);
  void set_key(const char* key);
  // Sent as the Artcast-Device header (the server's GET /devices); 0: none.
  void set_device(const char* name) { device_ = name; }
  // true: requests leave the connection open (HTTP/1.1 keep-alive) for the
  // next poll; false (the default): each asks for Connection: close.
  void set_keep_alive(bool keep) { keep_alive_ = keep; }
  // The GET request into buf; returns its length, or -1 if buf is too small.
  int request(char* buf, size_t size, const char* host, int port) const;
  // How long to wait for the whole answer to request().
  unsigned long socket_timeout_ms() const;
  // Take a complete answer (modified in place: the value is NUL-terminated).
  int handle(char* answer, size_t length, const char** value);
  // After a broken connection: ask for the current value again (wait=0).
  void reset() { primed_ = false; }
  const char* etag() const { return etag_; }
  const char* key() const { return key_; }
  bool primed() const { return primed_; }
  int last_status() const { return status_; }
  // The last value's Artcast-Play-At (server ms), if it had one.
  bool has_play_at() const { return has_play_at_; }
  int64_t play_at() const { return play_at_; }

 private:
  const char* key_;
  const char* prefix_;
  int hold_;
  bool text_;
  bool keep_alive_;
  bool primed_;
  int status_;
  bool has_play_at_;
  int64_t play_at_;
  const char* device_ = 0;
#if defined(__AVR__)
  char etag_[40];
#else
  char etag_[72];
#endif
};

// Reconnect delays with jitter (artcast_core/backoff.py): base * 2^attempt,
// capped, times 0.5..1 so 30 boards that lost the server together do not
// come back in the same millisecond. `r` is a random number in [0, 1).
class Backoff {
 public:
  Backoff(unsigned long base_ms = 500, unsigned long cap_ms = 30000)
      : base_(base_ms), cap_(cap_ms), attempt_(0) {}
  unsigned long next_delay_ms(double r) {
    unsigned long ceiling = base_;
    for (int i = 0; i < attempt_ && ceiling < cap_; i++) ceiling *= 2;
    if (ceiling >= cap_) ceiling = cap_;
    else attempt_++;
    return (unsigned long)(ceiling * (0.5 + 0.5 * r));
  }
  void reset() { attempt_ = 0; }

 private:
  unsigned long base_, cap_;
  int attempt_;
};

// A ?format=text value as JSON text for Output::accept: numbers, true,
// false, null, lists and objects are already JSON; anything else is a bare
// string and gets quoted. (Text cannot tell the string "12" from the
// number 12: both become 12. Use the default JSON format when that
// matters.) false if it does not fit in `size`.
bool text_as_json(const char* text, char* out, size_t size);

// GET <prefix>/clock (PROTOCOL.md, "Shared time"): the request into buf
// (its length, or -1 if buf is too small), and the server's ms from a
// complete answer (false: not a 200 with an Artcast-Clock header).
int clock_request(char* buf, size_t size, const char* host, int port, const char* prefix);
bool clock_answer(char* answer, size_t length, int64_t& server_ms);

// Where the response at the start of `data` ends (the length of the whole
// answer), or -1 while it is incomplete: a 204/304 ends with its head, any
// other response after Content-Length bytes of body; without Content-Length
// the body runs to the close (-1 until then). Same rule as
// artcast_core/http.py response_end().
long response_end(const char* data, size_t length);

// true when the server keeps the connection open after this response (an
// HTTP/1.1 answer without "Connection: close"): send the next request on it.
bool keeps_alive(const char* data, size_t length);

// "http://host:port/prefix" -> parts. false if it is not such a URL. A
// trailing "/artcasts" (copied from the browser) is dropped; a URL naming
// a key ("/artcasts/test/tick") or with a ?query is refused.
bool parse_url(const char* url, char* host, size_t host_size, int& port, char* prefix, size_t prefix_size);

}  // namespace artcast

#endif
