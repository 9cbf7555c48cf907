import sys

from artcast_server.cli import main

sys.exit(main())
