# Artcast firmware: MicroPython runs this file after boot.py.
# Everything else is precompiled (.mpy) in artcast_fw/ and artcast_core/.
# To stop the firmware for a USB session without racing the watchdog,
# create a file named "maintenance" (deploy.py does this for you).

try:
    from artcast_fw import app
    app.main()
except Exception as e:
    # A new firmware version on trial that cannot start is rolled back
    # (artcast_fw/ota_boot.py); anything else goes to the console as before.
    from artcast_fw import ota_boot
    if not ota_boot.failed_at_start(e):
        raise
