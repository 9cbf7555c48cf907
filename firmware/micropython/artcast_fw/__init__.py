# Artcast ESP32 firmware (MicroPython).
#
# Thin shells around the shared core in artcast_core: the firmware owns only
# I/O (Wi-Fi, sockets, machine pins, the setup page) and the main loop.
# Modules:
#   config.py      load / save config.json; check() via config_check.py
#   config_check.py  the checks (fields, Wi-Fi, heap budget), unloaded after use
#   wifi.py        station connect with backoff, access point for setup
#   poller.py      one non-blocking long-poll connection per key (LongPoll I/O)
#   devices.py     neopixel strip, servo, pin and PWM outputs on `machine`
#   outputs.py     piece outputs -> shared mapping/motion -> devices
#   app.py         the main loop: watchdog, Wi-Fi, pollers, motion ticks
#   setup_page.py  microdot page served from the setup access point
