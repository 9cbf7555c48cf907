"""Logging: an access log in Apache/NCSA combined format and an error log.

Both go to stderr unless a file is given; files rotate by size
(--access-log-size / --access-log-count, likewise for the error log).
The error log is rate-limited per reason, so a flood of bad datagrams cannot
fill a Pi's SD card: at most BURST messages per reason every WINDOW seconds,
then one line saying how many were suppressed.

Every error path writes through it: `ErrorLog.install(loop)` routes asyncio's
exception handler (a failing request, a failing accept, a callback that
raised) and asyncio's own log lines into the same rate limit, so a flood of
identical tracebacks writes at most BURST of them plus a count, to the
--error-log file, not to stderr. Code that meets an error it can name calls
`errors.report(reason, message)` (bad input) or
`errors.exception(reason, message, exc)` (a bug or a resource failure: the
traceback is logged, rate-limited the same way).

Nothing from the network reaches a log line raw: control characters are
escaped with artcast_core.text.printable (a User-Agent cannot retitle the
terminal of whoever tails the log).
"""

import logging
import sys
import time
import traceback

from artcast_core.text import printable

BURST = 5
WINDOW = 60.0


def _handler(path, size, count):
    if path:
        from logging.handlers import RotatingFileHandler    # here: only a log file needs it (ms at start-up on a Pi)
        return RotatingFileHandler(path, maxBytes=size, backupCount=count, encoding="utf-8")
    return logging.StreamHandler(sys.stderr)


class _Printable(logging.Formatter):
    """Escapes control characters in the message (tracebacks keep their lines)."""

    def format(self, record):
        return printable(super().format(record), keep_newlines=True)


def make_logger(name, path, size, count, fmt, formatter=logging.Formatter):
    logger = logging.getLogger(name)
    for old in logger.handlers:
        old.close()
    logger.handlers[:] = []
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = _handler(path, size, count)
    handler.setFormatter(formatter(fmt))
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
        self.logger = make_logger("artcast.error", path, size, count, "%(asctime)s %(levelname)s %(message)s",
                                  _Printable)
        if verbose:
            self.logger.setLevel(logging.DEBUG)
        self.clock = clock
        self.windows = {}    # reason -> [window start, messages in window, suppressed]

    def info(self, message):
        self.logger.info(message)

    def error(self, message):
        self.logger.error(message)

    def allow(self, reason):
        """True when one more message for `reason` may be written now (at most
        BURST per WINDOW s); counts the rest and reports the count when the
        next window opens."""
        now = self.clock()
        window = self.windows.get(reason)
        if window is None or now - window[0] >= WINDOW:
            if window is not None and window[2]:
                self.logger.warning("%d more %r messages suppressed in the last %ds" % (window[2], reason, WINDOW))
            window = self.windows[reason] = [now, 0, 0]
        if window[1] < BURST:
            window[1] += 1
            return True
        window[2] += 1
        return False

    def report(self, reason, message):
        """Log a bad-input event, at most BURST per reason per WINDOW."""
        if self.allow(reason):
            self.logger.warning(message)

    def exception(self, reason, message, exc=None):
        """Log an error with its traceback, at most BURST per reason per WINDOW."""
        if self.allow(reason):
            if exc is not None:
                message += "\n" + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip()
            self.logger.error(message)

    def loop_exception(self, loop, context):
        """asyncio's exception handler (see install)."""
        message = context.get("message") or "unhandled exception in the event loop"
        exc = context.get("exception")
        reason = "asyncio: %s%s" % (message, (" (%s)" % type(exc).__name__) if exc is not None else "")
        details = ["%s: %r" % (k, v) for k, v in sorted(context.items()) if k not in ("message", "exception")]
        text = message + ("; " + "; ".join(details) if details else "")
        self.exception(reason, text[:2000], exc)

    def install(self, loop):
        """Route every error path of the server through this log: asyncio's
        exception handler and the "asyncio" logger (rate-limited per message)."""
        loop.set_exception_handler(self.loop_exception)
        asyncio_logger = logging.getLogger("asyncio")
        for old in list(asyncio_logger.handlers):
            if isinstance(old, _Forward):
                asyncio_logger.removeHandler(old)
        handler = _Forward(self.logger)
        handler.addFilter(_RateLimit(self))
        asyncio_logger.addHandler(handler)
        asyncio_logger.propagate = False
        # microdot prints a route's exception with traceback.print_exc()
        # before answering 500: one stderr traceback per request, outside any
        # limit. Its module looks the function up at each call.
        try:
            import microdot.microdot as microdot_module
            microdot_module.print_exception = self.route_exception
        except ImportError:
            pass

    def route_exception(self, exc):
        """A route raised (a bug): log it, rate-limited; microdot answers 500."""
        self.exception("request failed (%s)" % type(exc).__name__, "request failed", exc)


class _RateLimit(logging.Filter):
    def __init__(self, errors):
        super().__init__()
        self.errors = errors

    def filter(self, record):
        return self.errors.allow("%s: %s" % (record.name, record.msg))


class _Forward(logging.Handler):
    """Hands records of another logger to the error log's handlers."""

    def __init__(self, logger):
        super().__init__()
        self.target = logger

    def emit(self, record):
        for handler in self.target.handlers:
            handler.handle(record)


QUOTED_CACHE = 1024     # distinct strings remembered by _quote(): devices repeat theirs on every poll
_quoted = {}


def _quote(text):
    """A request line, Referer or User-Agent for the log: quotes and
    backslashes escaped (Apache style), control characters as \\xNN.
    Remembered (a bounded dict, cleared when full): a device sends the same
    line and agent on every poll, and escaping is most of a log line's cost."""
    quoted = _quoted.get(text)
    if quoted is None:
        if len(_quoted) >= QUOTED_CACHE:
            _quoted.clear()
        quoted = _quoted[text] = printable(str(text).replace("\\", "\\\\").replace('"', '\\"'))
    return quoted
