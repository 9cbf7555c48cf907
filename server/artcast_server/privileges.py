"""Pidfile and dropping root: what an init script expects of a daemon."""

import grp
import os
import pwd


def write_pidfile(path):
    """Write our pid atomically (a temporary file renamed over `path`): a
    reader never sees an empty or half-written pidfile."""
    temp = "%s.%d.tmp" % (path, os.getpid())
    try:
        with open(temp, "w") as f:
            f.write("%d\n" % os.getpid())
        os.replace(temp, path)
    except OSError:
        try:
            os.remove(temp)
        except OSError:
            pass
        raise


def remove_pidfile(path, log=None):
    try:
        with open(path) as f:
            mine = f.read().strip() == str(os.getpid())
        if mine:
            os.remove(path)
    except OSError as exc:
        if log is not None:
            log.error("could not remove pidfile %s: %s" % (path, exc))


def _lookup(name, by_name, by_id, what):
    if name is None:
        return None
    try:
        return int(name)
    except ValueError:
        pass
    try:
        return by_name(name)
    except KeyError:
        raise ValueError("no such %s: %r (--%s takes a name from /etc/%s or a number)"
                         % (what, name, "uid" if what == "user" else "gid",
                            "passwd" if what == "user" else "group"))


def drop_privileges(uid, gid, chown=()):
    """Become `uid`/`gid` (names or numbers). Files in `chown` (pidfile, logs)
    are handed to the new owner first so they can still be removed/rotated."""
    new_uid = _lookup(uid, lambda n: pwd.getpwnam(n).pw_uid, None, "user")
    new_gid = _lookup(gid, lambda n: grp.getgrnam(n).gr_gid, None, "group")
    if new_gid is None and new_uid is not None:
        try:
            new_gid = pwd.getpwuid(new_uid).pw_gid
        except KeyError:
            new_gid = None
    if os.getuid() != 0:
        if (new_uid is None or new_uid == os.getuid()) and (new_gid is None or new_gid == os.getgid()):
            return
        raise ValueError("--uid/--gid need the program to be started as root")
    for path in chown:
        if path and os.path.exists(path):
            os.chown(path, new_uid if new_uid is not None else -1, new_gid if new_gid is not None else -1)
    if new_gid is not None:
        os.setgroups([])
        os.setgid(new_gid)
    if new_uid is not None:
        os.setuid(new_uid)
