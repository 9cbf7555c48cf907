"""GET /artcasts in pages of bounded size, and keys close to a misspelt one.

A registration can hold up to 8 KB of text and a server up to --max-keys
keys, so the whole listing could be tens of MB, built on the event loop for
every request. A page holds at most `limit` entries (default and maximum
PAGE_ENTRIES) and about PAGE_BYTES of JSON; when more follow, the answer
carries `Link: </artcasts?after=<last key>&limit=N>; rel="next"`. A server
with a few hundred keys answers exactly as before: one plain array, sorted
by key.

    page = listing_page(hub, after=None, limit=None)
    page.entries, page.body (JSON bytes), page.next_after (None: last page)
"""

import bisect
import difflib
import json

PAGE_ENTRIES = 1000          # entries per page, at most (and the default)
PAGE_BYTES = 256 * 1024      # JSON bytes per page, about (at least one entry is always sent)
CLOSE_CANDIDATES = 200       # keys compared with a misspelt one, at most


class _SortedKeys:
    """The hub's keys, sorted once per change in their number (keys are only
    ever added), so each page is a bisect, not a sort of every key."""

    def __init__(self):
        self.count = -1
        self.keys = []

    def get(self, artcasts):
        if len(artcasts) != self.count:
            self.keys = sorted(artcasts)
            self.count = len(self.keys)
        return self.keys


def sorted_keys(hub):
    cache = getattr(hub, "sorted_keys_cache", None)
    if cache is None:
        cache = hub.sorted_keys_cache = _SortedKeys()
    return cache.get(hub.artcasts)


def parse_limit(text):
    """?limit=N -> int in 1..PAGE_ENTRIES, or raise ValueError with a message."""
    if text is None:
        return PAGE_ENTRIES
    try:
        limit = int(text)
    except ValueError:
        raise ValueError("limit must be a whole number, got %r" % text[:20])
    if limit < 1:
        raise ValueError("limit must be 1 or more")
    return min(limit, PAGE_ENTRIES)


class Page:
    def __init__(self, entries, body, next_after):
        self.entries = entries
        self.body = body
        self.next_after = next_after


def listing_page(hub, after=None, limit=None):
    """Entries after the key `after` (exclusive), at most `limit` of them and
    about PAGE_BYTES of JSON. The body is the same JSON as json.dumps(entries)."""
    limit = PAGE_ENTRIES if limit is None else limit
    keys = sorted_keys(hub)
    start = bisect.bisect_right(keys, after) if after else 0
    entries, parts, size = [], [], 2
    at = start
    while at < len(keys) and len(entries) < limit:
        entry = hub.artcasts[keys[at]].listing()
        part = json.dumps(entry)
        if entries and size + len(part) + 2 > PAGE_BYTES:
            break
        entries.append(entry)
        parts.append(part)
        size += len(part) + 2
        at += 1
    next_after = entries[-1]["key"] if entries and at < len(keys) else None
    return Page(entries, ("[" + ", ".join(parts) + "]").encode("ascii"), next_after)


def close_keys(hub, key, count=5):
    """Known keys that look like `key` (a misspelling), best first. Compares at
    most CLOSE_CANDIDATES keys (those that sort nearest to it), so a page view stays cheap on a
    server with ten thousand keys."""
    keys = sorted_keys(hub)
    at = bisect.bisect_left(keys, key)
    half = CLOSE_CANDIDATES // 2
    candidates = keys[max(0, at - half):at + half]
    return difflib.get_close_matches(key, candidates, count, 0.6)
