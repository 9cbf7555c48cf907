"""artcast-kinetic: a piece file drives NeoPixel strips, servos and pins from artcasts.

    artcast-kinetic clients/examples/tick-strip-servo.json            # on a Pi
    artcast-kinetic --simulate clients/examples/tick-strip-servo.json # anywhere

The mapping, motion and piece-file rules are the shared core's
(artcast_core.piece / mapping / motion / output), so an ESP32 running the
same outputs block behaves the same. This package adds the Pi side:
asyncio long-polls (follow.py), hardware backends (backends/), the runner
that joins them (runner.py), the --simulate views (simview.py, simweb.py)
and the command line (cli.py). See clients/README.md.
"""
