#!/usr/bin/env python3
"""The test sources: test/tick counts up from 0 and test/now is the UTC time,
both once a second. Useful for checking a server, a client or a wiring.

    python3 sources/test-sources.py --multicast-interface 127.0.0.1 --ttl 0
"""

import datetime
import itertools
import sys

from artcast_source import Source


def main(argv=None):
    source = Source.from_command_line(argv, description=__doc__.splitlines()[0])
    tick = source.artcast("test/tick", description="A counter that goes up by one every second",
                          provenance="Artcast test sources")
    now = source.artcast("test/now", description="The current UTC time (ISO 8601), every second",
                         provenance="Artcast test sources")
    try:
        for count in itertools.count():
            tick.send(count)
            now.send(datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
            if not source.sleep(1.0):
                break
    except KeyboardInterrupt:
        pass
    finally:
        source.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
