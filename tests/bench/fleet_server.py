"""The simulated fleet in a process of its own, so it does not share the engine's GIL.

Prints the services' addresses as one JSON line, then serves until killed. Behaviour is set over
HTTP: ``POST /_fleet/<service>`` on any of its ports.
"""

from __future__ import annotations

import json
import logging
import signal
import sys

from actors import Config
from web.fleet import Fleet

if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)  # waitress warns of cancelled requests at exit
    fleet = Fleet(Config().services, threads=48).start()
    print(json.dumps(fleet.addresses()), flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    fleet.stop()
    sys.exit(0)
