"""Logging: an access log in Apache/NCSA combined format and an error log.

Both go to stderr unless a file is given; files rotate by size
(--access-log-size / --access-log-count, likewise for the error log).
The error log is rate-limited per reason, so a flood of bad datagrams cannot
fill a Pi's SD card: at most BURST messages per reason every WINDOW seconds,
then one line saying how many were suppressed.
"""

import logging
import logging.handlers
import sys
import time

BURST = 5
WINDOW = 60.0


def _handler(path, size, count):
    if path:
        return logging.handlers.RotatingFileHandler(path, maxBytes=size, backupCount=count, encoding="utf-8")
    return logging.StreamHandler(sys.stderr)


def make_logger(name, path, size, count, fmt):
    logger = logging.getLogger(name)
    logger.handlers[:] = []
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = _handler(path, size, count)
    handler.setFormatter(logging.Formatter(fmt))
    logger.addHandler(handler)
    return logger


class AccessLog:
    """One line per request: host ident user [time] "request" status bytes "referer" "agent"."""

    def __init__(self, path=None, size=10 * 1024 * 1024, count=100):
        self.logger = make_logger("artcast.access", path, size, count, "%(message)s")
        self.chunk = max(1, size // 4)      # bytes per record: rotation stays near `size`

    def log(self, peer, request_line, headers, status, size):
        self.log_many([(peer, request_line, headers.get("Referer", "-"), headers.get("User-Agent", "-"),
                        status, size)])

    def log_many(self, entries):
        """Several requests as one write: (peer, request line, referer, agent, status, size) each.
        After a datum a thousand answers go out at once; one record for all keeps that cheap."""
        stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
        record, length = [], 0
        for peer, line, referer, agent, status, size in entries:
            text = '%s - - [%s] "%s" %d %s "%s" "%s"' % (
                peer or "-", stamp, _quote(line), status, size if size else "-", _quote(referer), _quote(agent))
            if record and length + len(text) > self.chunk:
                self.logger.info("\n".join(record))
                record, length = [], 0
            record.append(text)
            length += len(text) + 1
        if record:
            self.logger.info("\n".join(record))


class ErrorLog:
    def __init__(self, path=None, size=10 * 1024 * 1024, count=100, clock=time.monotonic, verbose=False):
        self.logger = make_logger("artcast.error", path, size, count, "%(asctime)s %(levelname)s %(message)s")
        if verbose:
            self.logger.setLevel(logging.DEBUG)
        self.clock = clock
        self.windows = {}    # reason -> [window start, messages in window, suppressed]

    def info(self, message):
        self.logger.info(message)

    def error(self, message):
        self.logger.error(message)

    def report(self, reason, message):
        """Log a bad-input event, at most BURST per reason per WINDOW."""
        now = self.clock()
        window = self.windows.get(reason)
        if window is None or now - window[0] >= WINDOW:
            if window is not None and window[2]:
                self.logger.warning("%d more %r messages suppressed in the last %ds" % (window[2], reason, WINDOW))
            window = self.windows[reason] = [now, 0, 0]
        if window[1] < BURST:
            window[1] += 1
            self.logger.warning(message)
        else:
            window[2] += 1


def _quote(text):
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ")
