// A tiny read-only JSON reader: views into a const char* text, no copies,
// no heap, no library. Enough to read an artcast value (a number, a colour,
// a list of colours, a field of an object) and the output description the
// sketch is configured with. Never calls the Arduino API, so it is tested
// on the host with g++ (tests/firmware/test_arduino_vectors.py).
//
//   artcast::json::Value v;
//   if (artcast::json::parse("{\"temp\": 21.5}", v)) {
//     artcast::json::Value t;
//     double x;
//     if (v.member("temp", t) && t.number(x)) { ... }   // x == 21.5
//   }
//
// Why not ArduinoJson: it is a big dependency for one number, and the
// server's ?format=text cannot tell the string "12" from the number 12,
// which the shared mapping rules treat differently (tests/vectors).

#ifndef ARTCAST_JSON_H
#define ARTCAST_JSON_H

#include <stddef.h>

namespace artcast {
namespace json {

enum Kind { INVALID = 0, NUL, BOOLEAN, NUMBER, STRING, ARRAY, OBJECT };

// Nesting deeper than this is refused (a value that moves a strip is flat).
const int MAX_DEPTH = 12;

struct Value {
  const char* p;  // first character of the value
  Kind kind;

  Value() : p(0), kind(INVALID) {}

  bool is(Kind k) const { return kind == k; }
  // Numbers: true/false are NOT numbers here (mapping.number() decides).
  bool number(double& out, bool* is_integer = 0) const;
  bool boolean(bool& out) const;
  // Decode a string into buf (NUL-terminated); false if not a string or
  // it does not fit.
  bool string(char* buf, size_t size) const;
  bool string_equals(const char* s) const;
  // Object member by name / array item by index.
  bool member(const char* name, Value& out) const;
  bool item(int index, Value& out) const;
  int length() const;  // items of an array, members of an object, else -1
  // Walk an object's members: start with cursor = 0.
  bool next_member(const char*& cursor, Value& key, Value& value) const;
};

// The whole text must be exactly one JSON value (whitespace around is fine).
bool parse(const char* text, Value& out);
// Kind of the value starting at p (after whitespace); p is moved to it.
Kind kind_at(const char*& p);
// Past the end of the value at p, or 0 when it is malformed.
const char* skip(const char* p, int depth = 0);

}  // namespace json
}  // namespace artcast

#endif
