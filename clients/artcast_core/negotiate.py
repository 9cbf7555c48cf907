# Content negotiation for GET /artcasts/<key> (PROTOCOL.md, "Formats").
#
# choose(accept, offered) picks the offered media type the Accept header
# prefers, honouring q-values and wildcards the way RFC 9110 describes.
# With no Accept header the first offered type wins.

def parse_accept(header):
    """Accept header -> list of (type, subtype, q), in header order.

    >>> parse_accept("text/html;q=0.5, */*")
    [('text', 'html', 0.5), ('*', '*', 1.0)]
    """
    ranges = []
    for item in (header or "").split(","):
        parts = item.strip().split(";")
        media = parts[0].strip().lower()
        if not media:
            continue
        if media == "*":  # seen from some old clients
            media = "*/*"
        if "/" not in media:
            continue
        q = 1.0
        for param in parts[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                q = min(max(q, 0.0), 1.0)
        top, _, sub = media.partition("/")
        ranges.append((top, sub, q))
    return ranges


def _quality(ranges, offered):
    top, _, sub = offered.partition("/")
    best, best_specificity = None, -1
    for rtop, rsub, q in ranges:
        if rtop == top and rsub == sub:
            specificity = 2
        elif rtop == top and rsub == "*":
            specificity = 1
        elif rtop == "*" and rsub == "*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best, best_specificity = q, specificity
    return best or 0.0


def choose(accept, offered):
    """Return the best of `offered` for an Accept header, or None (406).

    Ties go to the earlier entry of `offered`, so list the default first.

    >>> choose("text/plain, application/json;q=0.9", ["application/json", "text/plain"])
    'text/plain'
    >>> choose("image/png", ["application/json"]) is None
    True
    """
    if accept is None or not accept.strip():
        return offered[0]
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    best, best_q = None, 0.0
    for media in offered:
        q = _quality(ranges, media)
        if q > best_q:
            best, best_q = media, q
    return best
