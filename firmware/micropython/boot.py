# Artcast firmware: runs first at every power-on and reset.
# Kept tiny on purpose: a mistake here would stop the USB console from
# coming up. The real work starts in main.py.
#
# Over-the-air updates: finish or undo a firmware swap that a reset or a
# power loss interrupted, and roll back a new version that keeps failing
# (artcast_fw/ota_boot.py describes the states).

import gc
import sys

try:
    from artcast_fw import ota_boot
    ota_boot.boot()
except Exception as e:  # never keep the board from starting
    print("artcast: update check at boot failed:", repr(e))
# Files may have changed under the modules just used: main.py imports
# afresh what it needs.
for _name in ("artcast_fw.ota_boot", "artcast_fw.flash", "artcast_fw"):
    sys.modules.pop(_name, None)
gc.collect()
