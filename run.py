"""Start the Ops Engine: ``python run.py [--demo] [--repl] [--config FILE] [--port N] [--db PATH]``."""

from __future__ import annotations

import argparse
import code
import logging
import signal
import sys
import threading
from typing import Any

from actors import Engine, load_config
from actors.errors import ConfigError
from web.app import create_app
from web.fleet import Fleet
from web.server import bound_port, make_server, pin_process

log = logging.getLogger("ops")

BANNER = """Ops Engine REPL — `engine` is the running engine. Try:
  engine.scheduler.snapshot().get()                      # the queue
  engine.scheduler.task("ops-…").get()                   # one task's record
  engine.health_report()                                 # every service's health
  engine.recovery.recover("vision", "fallback").get()    # route vision to hands
  engine.brain.stats().get()                             # event delivery
{fleet}HTTP is served at http://{host}:{port}/ops/health . Ctrl-D stops everything."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Ops Engine v1 ULTRA")
    parser.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="HTTP port (default 5350)")
    parser.add_argument("--db", default="ops.db", help="SQLite file (default ./ops.db)")
    parser.add_argument("--config", default=None, help="TOML file overriding the defaults")
    parser.add_argument("--demo", action="store_true",
                        help="also start the simulated Codex fleet and use it")
    parser.add_argument("--repl", action="store_true",
                        help="open a Python console with `engine` bound")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    # Pykka logs every exception an ask returns (a refused request too) with its traceback.
    logging.getLogger("pykka").setLevel(logging.WARNING)
    try:
        config = load_config(args.config)
        cores = pin_process(config.web.cpu_affinity)
    except ConfigError as exc:
        print(f"ops-engine: invalid config: {exc}", file=sys.stderr)
        return 2
    if cores is not None:
        log.info("pinned to core(s) %s (web.cpu_affinity)", ",".join(map(str, sorted(cores))))
    fleet = None
    if args.demo:
        fleet = Fleet(config.services).start()
        config = config.with_services(fleet.addresses())
        log.info("demo fleet: %d simulated services on 127.0.0.1 (control: POST /_fleet/<service>)",
                 len(fleet.addresses()))
    host = args.host or config.web.host
    port = config.web.port if args.port is None else args.port
    engine = Engine(config, args.db).start()
    server = make_server(create_app(engine), host, port, config.web.threads)
    log.info("Ops Engine %s listening on http://%s:%d", "1.0.0-ULTRA", host, bound_port(server))

    def shutdown(signum: int, frame: Any) -> None:
        raise SystemExit(0)  # unwinds server.run(); cleanup below stops every actor

    signal.signal(signal.SIGTERM, shutdown)
    try:
        if args.repl:
            threading.Thread(target=server.run, name="HTTP", daemon=True).start()
            hint = ""
            if fleet is not None:
                hint = "  fleet.set('vision', mode='down')                       # break a service\n"
            code.interact(banner=BANNER.format(fleet=hint, host=host, port=bound_port(server)),
                          local={"engine": engine, "fleet": fleet}, exitmsg="stopping…")
        else:
            server.run()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        log.info("stopping")
        server.close()
        engine.stop()
        if fleet is not None:
            fleet.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
