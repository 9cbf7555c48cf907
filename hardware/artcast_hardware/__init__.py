# Artcast hardware helpers: the `artcast power` calculator, the wiring
# diagram generator, the kit bill of materials and the Pi appliance setup.
#
# The power maths itself lives in clients/artcast_core/power.py, so the Pi
# kinetic client and the ESP32 firmware cap brightness with the same numbers.
