// See artcast_longpoll.h. No Arduino API, no heap.

#include "artcast_longpoll.h"

#include "artcast_json.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

namespace artcast {

LongPoll::LongPoll(const char* key, int hold, const char* prefix, bool text)
    : key_(key), prefix_(prefix), hold_(hold), text_(text), keep_alive_(false), primed_(false), status_(0),
      has_play_at_(false), play_at_(0) {
  etag_[0] = '\0';
}

void LongPoll::set_key(const char* key) {
  key_ = key;
  primed_ = false;
  etag_[0] = '\0';
}

int LongPoll::request(char* buf, size_t size, const char* host, int port) const {
  int wait = primed_ ? hold_ : 0;
  int n = snprintf(buf, size,
                   "GET %s/artcasts/%s?wait=%d%s HTTP/1.1\r\n"
                   "Host: %s:%d\r\n"
                   "%s"
                   "Accept: %s\r\n",
                   prefix_, key_, wait, text_ ? "&format=text" : "", host, port,
                   keep_alive_ ? "" : "Connection: close\r\n", text_ ? "text/plain" : "application/json");
  if (n < 0 || (size_t)n >= size) return -1;
  if (etag_[0]) {
    int m = snprintf(buf + n, size - n, "If-None-Match: %s\r\n", etag_);
    if (m < 0 || (size_t)m >= size - n) return -1;
    n += m;
  }
  if (device_ && device_[0]) {
    int m = snprintf(buf + n, size - n, "Artcast-Device: %s\r\n", device_);
    if (m < 0 || (size_t)m >= size - n) return -1;
    n += m;
  }
  if ((size_t)n + 3 > size) return -1;
  memcpy(buf + n, "\r\n", 3);
  return n + 2;
}

unsigned long LongPoll::socket_timeout_ms() const {
  return (unsigned long)((primed_ ? hold_ : 0) + SOCKET_MARGIN) * 1000UL;
}

// Case-insensitive "name:" at the start of a header line.
static const char* header_value(const char* line, const char* name) {
  size_t n = strlen(name);
  for (size_t i = 0; i < n; i++) {
    if (tolower((unsigned char)line[i]) != name[i]) return 0;
  }
  if (line[n] != ':') return 0;
  line += n + 1;
  while (*line == ' ' || *line == '\t') line++;
  return line;
}

// A header's decimal milliseconds -> true and `out`; false if not a number.
static bool parse_ms(const char* v, int64_t& out) {
  int64_t x = 0;
  int digits = 0;
  while (*v >= '0' && *v <= '9' && digits < 18) {
    x = x * 10 + (*v++ - '0');
    digits++;
  }
  if (!digits || (*v != '\r' && *v != '\0' && *v != ' ')) return false;
  out = x;
  return true;
}

int LongPoll::handle(char* answer, size_t length, const char** value) {
  *value = 0;
  status_ = 0;
  answer[length] = '\0';  // caller keeps one spare byte (see the sketch)
  char* end = strstr(answer, "\r\n\r\n");
  if (!end || strncmp(answer, "HTTP/", 5) != 0) return -1;
  char* sp = strchr(answer, ' ');
  if (!sp || sp > end) return -1;
  status_ = atoi(sp + 1);
  char* body = end + 4;
  size_t body_len = length - (size_t)(body - answer);
  long content_length = -1;
  char new_etag[sizeof etag_];
  new_etag[0] = '\0';
  bool has_play_at = false;
  int64_t play_at = 0;
  // Walk header lines between the status line and the blank line.
  char* line = strstr(answer, "\r\n") + 2;
  while (line < end + 2) {
    char* eol = strstr(line, "\r\n");
    const char* v;
    if ((v = header_value(line, "content-length")) != 0) content_length = atol(v);
    if ((v = header_value(line, "artcast-play-at")) != 0) has_play_at = parse_ms(v, play_at);
    if ((v = header_value(line, "etag")) != 0) {
      size_t n = (size_t)(eol - v);
      if (n >= sizeof new_etag) return -1;
      memcpy(new_etag, v, n);
      new_etag[n] = '\0';
    }
    line = eol + 2;
  }
  if (status_ == 204) {
    primed_ = true;
    // No datum yet: send a tag that names none, so a datum that arrives
    // before the next request is answered at once (PROTOCOL.md).
    if (etag_[0] == '\0') strcpy(etag_, "\"none\"");
    return 0;
  }
  if (status_ != 200) return -1;
  if (content_length >= 0) {
    if ((long)body_len < content_length) return -1;  // cut short
    body[content_length] = '\0';
  }
  primed_ = true;
  strcpy(etag_, new_etag);
  has_play_at_ = has_play_at;
  play_at_ = play_at;
  *value = body;
  return 1;
}

int clock_request(char* buf, size_t size, const char* host, int port, const char* prefix) {
  int n = snprintf(buf, size, "GET %s/clock HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n",
                   prefix, host, port);
  return (n < 0 || (size_t)n >= size) ? -1 : n;
}

bool clock_answer(char* answer, size_t length, int64_t& server_ms) {
  answer[length] = '\0';  // caller keeps one spare byte
  char* end = strstr(answer, "\r\n\r\n");
  if (!end || strncmp(answer, "HTTP/1.", 7) != 0 || strncmp(answer + 8, " 200", 4) != 0) return false;
  char* line = strstr(answer, "\r\n") + 2;
  while (line < end + 2) {
    const char* v = header_value(line, "artcast-clock");
    if (v) return parse_ms(v, server_ms);
    line = strstr(line, "\r\n") + 2;
  }
  return false;
}

// The header block of the response at the start of `data`: its end (the
// index of the blank line's CRLF CRLF), or 0 while incomplete.
static const char* head_end(const char* data, size_t length) {
  for (size_t i = 0; i + 3 < length; i++) {
    if (data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r' && data[i + 3] == '\n') return data + i;
  }
  return 0;
}

// The value of header `name` (lower case) in the head data..end, or 0.
static const char* find_header(const char* data, const char* end, const char* name) {
  for (const char* p = data; p + 2 < end; p++) {
    if (p[0] == '\r' && p[1] == '\n') {
      const char* v = header_value(p + 2, name);
      if (v && v < end) return v;
    }
  }
  return 0;
}

long response_end(const char* data, size_t length) {
  const char* end = head_end(data, length);
  if (!end || length < 12 || strncmp(data, "HTTP/", 5) != 0) return -1;
  const char* sp = (const char*)memchr(data, ' ', (size_t)(end - data));
  if (!sp) return -1;
  int status = atoi(sp + 1);
  long head = (long)(end - data) + 4;
  if (status == 204 || status == 304) return head;
  const char* v = find_header(data, end, "content-length");
  if (!v) return -1;  // the body runs to the close
  long body = atol(v);
  if (body < 0 || head + body > (long)length) return -1;
  return head + body;
}

bool keeps_alive(const char* data, size_t length) {
  const char* end = head_end(data, length);
  if (!end || strncmp(data, "HTTP/1.1 ", 9) != 0) return false;
  const char* v = find_header(data, end, "connection");
  if (!v) return true;
  for (const char* p = v; p + 5 <= end && *p != '\r'; p++) {
    size_t i = 0;
    while (i < 5 && tolower((unsigned char)p[i]) == "close"[i]) i++;
    if (i == 5) return false;
  }
  return true;
}

bool text_as_json(const char* text, char* out, size_t size) {
  json::Value v;
  size_t n = strlen(text);
  if (json::parse(text, v)) {
    if (n >= size) return false;
    memcpy(out, text, n + 1);
    return true;
  }
  size_t j = 0;
  if (size < 3) return false;
  out[j++] = '"';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)text[i];
    const char* esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                      : c == '\t' ? "\\t" : 0;
    if (esc) {
      if (j + 3 >= size) return false;
      out[j++] = esc[0];
      out[j++] = esc[1];
    } else if (c < 0x20) {
      continue;  // other control characters: dropped
    } else {
      if (j + 2 >= size) return false;
      out[j++] = (char)c;
    }
  }
  out[j++] = '"';
  out[j] = '\0';
  return true;
}

bool parse_url(const char* url, char* host, size_t host_size, int& port, char* prefix, size_t prefix_size) {
  if (strncmp(url, "http://", 7) != 0) return false;
  const char* rest = url + 7;
  // A "?query" or "#fragment" is never part of a server URL.
  if (strchr(rest, '?') || strchr(rest, '#')) return false;
  const char* slash = strchr(rest, '/');
  const char* hostend = slash ? slash : rest + strlen(rest);
  const char* colon = (const char*)memchr(rest, ':', (size_t)(hostend - rest));
  size_t hlen = (size_t)((colon ? colon : hostend) - rest);
  if (hlen == 0 || hlen >= host_size) return false;
  memcpy(host, rest, hlen);
  host[hlen] = '\0';
  port = 80;
  if (colon) {
    // Digits only (strtol would also take "+80" and "-1"), 1..65535.
    const char* d = colon + 1;
    long p = 0;
    if (d == hostend) return false;
    for (; d < hostend; d++) {
      if (!isdigit((unsigned char)*d)) return false;
      p = p * 10 + (*d - '0');
      if (p > 65535) return false;
    }
    if (p < 1) return false;
    port = (int)p;
  }
  size_t plen = slash ? strlen(slash) : 0;
  while (plen > 0 && slash[plen - 1] == '/') plen--;
  // A URL copied from the browser: ".../artcasts" (the list page) means the
  // server itself; ".../artcasts/<key>" names a key and is refused (the
  // same rule as artcast_core.http.parse_url, tests/vectors/server_urls.json).
  for (size_t i = 0; i + 9 <= plen; i++) {
    if (memcmp(slash + i, "/artcasts", 9) == 0 && (i + 9 == plen || slash[i + 9] == '/')) {
      for (size_t j = i + 9; j < plen; j++) {
        if (slash[j] != '/') return false;  // a key after /artcasts/
      }
      plen = i;
      break;
    }
  }
  if (plen >= prefix_size) return false;
  if (plen) memcpy(prefix, slash, plen);
  prefix[plen] = '\0';
  return true;
}

}  // namespace artcast
