"""Bridge log lines on stderr, with repeated problems rate-limited.

Everything from the network is shown with %r (repr), so a key or topic
holding control characters cannot drive the terminal.
"""

import sys
import threading
import time

LOG_EVERY = 10.0      # at most one line per problem kind this often


class Log:
    """stderr lines; repeated problems at most once per LOG_EVERY seconds."""

    def __init__(self, name, clock=time.monotonic):
        self.name = name
        self.clock = clock
        self.last = {}
        self.lock = threading.Lock()

    def say(self, message):
        print("artcast bridge %s: %s" % (self.name, message), file=sys.stderr, flush=True)

    def problem(self, kind, message):
        with self.lock:
            now = self.clock()
            if now - self.last.get(kind, -LOG_EVERY) < LOG_EVERY:
                return
            self.last[kind] = now
        self.say(message)
