# Artcast firmware: MicroPython runs this file after boot.py.
# Everything else is precompiled (.mpy) in artcast_fw/ and artcast_core/.
# To stop the firmware for a USB session without racing the watchdog,
# create a file named "maintenance" (deploy.py does this for you).

from artcast_fw import app

app.main()
