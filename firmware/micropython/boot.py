# Artcast firmware: runs first at every power-on and reset.
# Kept tiny on purpose: a mistake here would stop the USB console from
# coming up. The real work starts in main.py.

import gc

gc.collect()
