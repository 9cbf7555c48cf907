// See artcast_json.h. Pure C++ (no Arduino API, no heap).

#include "artcast_json.h"

#include <stdlib.h>
#include <string.h>

namespace artcast {
namespace json {

static const char* ws(const char* p) {
  while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
  return p;
}

Kind kind_at(const char*& p) {
  p = ws(p);
  switch (*p) {
    case 'n': return strncmp(p, "null", 4) == 0 ? NUL : INVALID;
    case 't': return strncmp(p, "true", 4) == 0 ? BOOLEAN : INVALID;
    case 'f': return strncmp(p, "false", 5) == 0 ? BOOLEAN : INVALID;
    case '"': return STRING;
    case '[': return ARRAY;
    case '{': return OBJECT;
    default:
      return (*p == '-' || (*p >= '0' && *p <= '9')) ? NUMBER : INVALID;
  }
}

static const char* skip_string(const char* p) {
  p++;  // opening quote
  while (*p && *p != '"') {
    if ((unsigned char)*p < 0x20) return 0;
    if (*p == '\\') {
      p++;
      if (!*p) return 0;
    }
    p++;
  }
  return *p == '"' ? p + 1 : 0;
}

static const char* skip_number(const char* p) {
  // JSON grammar: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?
  if (*p == '-') p++;
  if (*p == '0') {
    p++;
  } else if (*p >= '1' && *p <= '9') {
    while (*p >= '0' && *p <= '9') p++;
  } else {
    return 0;
  }
  if (*p == '.') {
    p++;
    if (!(*p >= '0' && *p <= '9')) return 0;
    while (*p >= '0' && *p <= '9') p++;
  }
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-') p++;
    if (!(*p >= '0' && *p <= '9')) return 0;
    while (*p >= '0' && *p <= '9') p++;
  }
  return p;
}

const char* skip(const char* p, int depth) {
  if (depth > MAX_DEPTH) return 0;
  Kind k = kind_at(p);
  switch (k) {
    case NUL: return p + 4;
    case BOOLEAN: return p + (*p == 't' ? 4 : 5);
    case STRING: return skip_string(p);
    case NUMBER: return skip_number(p);
    case ARRAY:
    case OBJECT: {
      char close = k == ARRAY ? ']' : '}';
      p = ws(p + 1);
      if (*p == close) return p + 1;
      while (true) {
        if (k == OBJECT) {
          if (*p != '"') return 0;
          p = skip_string(p);
          if (!p) return 0;
          p = ws(p);
          if (*p != ':') return 0;
          p++;
        }
        p = skip(p, depth + 1);
        if (!p) return 0;
        p = ws(p);
        if (*p == ',') {
          p = ws(p + 1);
          continue;
        }
        if (*p == close) return p + 1;
        return 0;
      }
    }
    default: return 0;
  }
}

bool parse(const char* text, Value& out) {
  const char* p = text;
  Kind k = kind_at(p);
  const char* end = skip(p);
  if (!end || *ws(end) != '\0') {
    out = Value();
    return false;
  }
  out.p = p;
  out.kind = k;
  return true;
}

bool Value::number(double& out, bool* is_integer) const {
  if (kind != NUMBER) return false;
  const char* end = skip_number(p);
  if (!end) return false;
  if (is_integer) {
    *is_integer = true;
    for (const char* q = p; q < end; q++) {
      if (*q == '.' || *q == 'e' || *q == 'E') *is_integer = false;
    }
  }
  out = strtod(p, 0);
  return true;
}

bool Value::boolean(bool& out) const {
  if (kind != BOOLEAN) return false;
  out = *p == 't';
  return true;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Value::string(char* buf, size_t size) const {
  if (kind != STRING || size == 0) return false;
  const char* q = p + 1;
  size_t n = 0;
  while (*q && *q != '"') {
    unsigned long c = (unsigned char)*q++;
    if (c == '\\') {
      char e = *q++;
      switch (e) {
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        case 'r': c = '\r'; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'u': {
          c = 0;
          for (int i = 0; i < 4; i++) {
            int h = hexval(*q++);
            if (h < 0) return false;
            c = c * 16 + h;
          }
          break;
        }
        default: c = (unsigned char)e;  // \" \\ \/
      }
      // UTF-8 encode (BMP only; a key or colour never needs more).
      char tmp[3];
      int len = 0;
      if (c < 0x80) {
        tmp[len++] = (char)c;
      } else if (c < 0x800) {
        tmp[len++] = (char)(0xC0 | (c >> 6));
        tmp[len++] = (char)(0x80 | (c & 0x3F));
      } else {
        tmp[len++] = (char)(0xE0 | (c >> 12));
        tmp[len++] = (char)(0x80 | ((c >> 6) & 0x3F));
        tmp[len++] = (char)(0x80 | (c & 0x3F));
      }
      for (int i = 0; i < len; i++) {
        if (n + 1 >= size) return false;
        buf[n++] = tmp[i];
      }
      continue;
    }
    if (n + 1 >= size) return false;
    buf[n++] = (char)c;
  }
  buf[n] = '\0';
  return true;
}

bool Value::string_equals(const char* s) const {
  char buf[64];
  return string(buf, sizeof buf) && strcmp(buf, s) == 0;
}

bool Value::next_member(const char*& cursor, Value& key, Value& value) const {
  if (kind != OBJECT) return false;
  const char* q = cursor ? cursor : p + 1;
  q = ws(q);
  if (*q == ',') q = ws(q + 1);
  if (*q != '"') return false;
  key.p = q;
  key.kind = STRING;
  q = ws(skip_string(q));
  q = ws(q + 1);  // past ':'
  value.kind = kind_at(q);
  value.p = q;
  cursor = skip(q);
  return cursor != 0;
}

bool Value::member(const char* name, Value& out) const {
  const char* cursor = 0;
  Value key, value;
  while (next_member(cursor, key, value)) {
    if (key.string_equals(name)) {
      out = value;
      return true;
    }
  }
  return false;
}

bool Value::item(int index, Value& out) const {
  if (kind != ARRAY || index < 0) return false;
  const char* q = ws(p + 1);
  if (*q == ']') return false;
  for (int i = 0;; i++) {
    Kind k = kind_at(q);
    if (i == index) {
      out.p = q;
      out.kind = k;
      return true;
    }
    q = skip(q);
    if (!q) return false;
    q = ws(q);
    if (*q != ',') return false;
    q = ws(q + 1);
  }
}

int Value::length() const {
  if (kind == ARRAY) {
    int n = 0;
    Value v;
    while (item(n, v)) n++;
    return n;
  }
  if (kind == OBJECT) {
    int n = 0;
    const char* cursor = 0;
    Value key, value;
    while (next_member(cursor, key, value)) n++;
    return n;
  }
  return -1;
}

}  // namespace json
}  // namespace artcast
