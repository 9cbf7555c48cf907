# NATS subjects for artcasts (PROTOCOL.md, "NATS"): one subject per key, so
# NATS wildcards and permissions can select keys. Used by the server's NATS
# feed (subscribe, and publish what HTTP publish accepts) and by the
# `artcast bridge nats` program.


def subject_for(prefix, kind, key):
    """The NATS subject of a datum ("data") or registration ("register") for `key`.

    Key segments become subject tokens; '.', the one key character NATS
    reserves, is written %2E ('%' never occurs in a key, so this reverses).

    >>> subject_for("artcast", "data", "gallery/north.wall/lux")
    'artcast.data.gallery.north%2Ewall.lux'
    """
    return "%s.%s.%s" % (prefix, kind, key.replace(".", "%2E").replace("/", "."))


def key_for(subject, prefix, kind):
    """The inverse of subject_for; None if `subject` is not of that kind."""
    head = "%s.%s." % (prefix, kind)
    if not subject.startswith(head):
        return None
    return subject[len(head):].replace(".", "/").replace("%2E", ".")
