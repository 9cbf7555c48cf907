# The names on flash that over-the-air updates use (ota_boot.py describes
# the states they make up). A module of its own so ota.py and
# ota_update.py can name them without loading ota_boot.py's code.

INSTALLED = "firmware.json"     # the installed version's manifest
NEW = "ota_new"                 # staging folder of the next version
OLD = "ota_old"                 # the previous version of swapped files
SWAP = "ota_swap"               # commit marker: the new version wins
PENDING = "ota_pending"         # the new version is on trial
BACK = "ota_back"               # rollback marker: the old version wins
BAD = "ota_bad"                 # manifest SHA-256 never to install again
