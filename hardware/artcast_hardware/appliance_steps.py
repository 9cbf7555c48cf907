"""The steps of the appliance setup: each knows whether it is needed and
how to do it, so a second run finds nothing to do (idempotent) and a dry
run can say exactly what it would change.

A Target says where the system is: `root` "/" for the real Pi, or a
throwaway directory (--root DIR) where files, the user and the enabled
units are made for real under DIR. Steps that only make sense on the
running system (apt-get, pip, restarting services, hostnamectl) are
marked `live_only` and are reported, not run, under --root.

    >>> import tempfile
    >>> t = Target(tempfile.mkdtemp())
    >>> step = WriteFile("/etc/hostname", "artcast\\n")
    >>> step.needed(t), step.apply(t), step.needed(t)
    (True, None, False)
"""

import os
import subprocess


class Target:
    """Where the setup acts, and how commands run (tests replace `run`)."""

    def __init__(self, root="/", run=None):
        self.root = os.path.abspath(root)
        self.live = self.root == "/"
        self.run = run or _run

    def path(self, absolute):
        """A system path (/etc/hostname) inside this target's root."""
        return os.path.join(self.root, absolute.lstrip("/"))

    def read(self, absolute, default=None):
        try:
            with open(self.path(absolute), encoding="utf-8") as f:
                return f.read()
        except OSError:
            return default


def _run(argv):
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        raise SetupError("%s failed (exit %d): %s"
                         % (" ".join(argv), result.returncode, (result.stderr or result.stdout).strip()))
    return result.stdout


def unit_inactive(unit):
    """A check for LiveCommand: true when `unit` is not running."""
    def check(target):
        try:
            target.run(["systemctl", "is-active", "--quiet", unit])
        except SetupError:
            return True
        return False
    return check


class SetupError(RuntimeError):
    """A step could not be done; the message says which and why."""


class Step:
    live_only = False
    description = ""

    def needed(self, target):
        raise NotImplementedError

    def apply(self, target):
        raise NotImplementedError


class WriteFile(Step):
    """A file with exactly this content and mode."""

    def __init__(self, path, content, mode=0o644, why=""):
        self.path = path
        self.content = content
        self.mode = mode
        self.description = "write %s%s" % (path, " (%s)" % why if why else "")

    def needed(self, target):
        if target.read(self.path) != self.content:
            return True
        return (os.stat(target.path(self.path)).st_mode & 0o7777) != self.mode

    def apply(self, target):
        full = target.path(self.path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        tmp = full + ".artcast-new"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(self.content)
        os.chmod(tmp, self.mode)
        os.replace(tmp, full)


def _passwd_has(target, user):
    text = target.read("/etc/passwd", "")
    return any(line.split(":")[0] == user for line in text.splitlines())


def _group_members(target, group):
    """Members of a group in the target's /etc/group, or None if no group."""
    for line in target.read("/etc/group", "").splitlines():
        parts = line.split(":")
        if parts[0] == group and len(parts) >= 4:
            return [m for m in parts[3].split(",") if m]
    return None


def _root_args(target):
    return [] if target.live else ["--root", target.root]


class EnsureUser(Step):
    """An unprivileged system user with no login shell."""

    def __init__(self, user, home):
        self.user = user
        self.home = home
        self.description = "create system user %r (no login, home %s)" % (user, home)

    def needed(self, target):
        return not _passwd_has(target, self.user)

    def apply(self, target):
        target.run(["useradd"] + _root_args(target) + [
            "--system", "--user-group", "--home-dir", self.home,
            "--shell", "/usr/sbin/nologin", self.user])


class EnsureGroups(Step):
    """Add the user to the hardware groups that exist on this system
    (gpio, i2c, spi on Raspberry Pi OS)."""

    def __init__(self, user, groups):
        self.user = user
        self.groups = groups
        self.description = "add %r to groups %s (those that exist)" % (user, ", ".join(groups))

    def missing(self, target):
        result = []
        for group in self.groups:
            members = _group_members(target, group)
            if members is not None and self.user not in members:
                result.append(group)
        return result

    def needed(self, target):
        return bool(self.missing(target))

    def apply(self, target):
        target.run(["usermod"] + _root_args(target) + ["-a", "-G", ",".join(self.missing(target)), self.user])


class EnableUnit(Step):
    """A systemd unit enabled to start at boot (systemctl --root works on a
    directory, so this is real under --root too)."""

    def __init__(self, unit, wanted_by="multi-user.target"):
        self.unit = unit
        self.link = "/etc/systemd/system/%s.wants/%s" % (wanted_by, unit)
        self.description = "enable %s at boot" % unit

    def needed(self, target):
        return not os.path.lexists(target.path(self.link))

    def apply(self, target):
        if target.live:
            target.run(["systemctl", "enable", self.unit])
        else:
            target.run(["systemctl", "--root", target.root, "enable", self.unit])


class LiveCommand(Step):
    """A command for the running system only. Needed when any step it
    `follows` changed something, or when `check` (a function of the
    target, optional) says so."""

    live_only = True

    def __init__(self, argv, description, check=None, follows=()):
        self.argv = argv
        self.description = description
        self.check = check
        self.follows = follows
        self.triggered = False

    def needed(self, target):
        if self.triggered:
            return True
        return self.check is not None and bool(self.check(target))

    def apply(self, target):
        target.run(self.argv)
