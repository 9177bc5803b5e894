"""Command line: ``paper-bot`` (long-running) and ``paper-bot --once`` (one session, for a timer)."""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import signal
import sys
import threading

from . import __version__
from .bot import PaperBot
from .config import ConfigError, Settings, resolve_ledger
from .health import HealthServer, Metrics
from .prices import load_csv, random_walk, replay
from .publisher import publisher_for
from .store import DIALECTS, store_for

LOG = logging.getLogger("paper_bot")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="paper-bot",
        description="Paper-trading example bot. Every setting and credential comes from environment "
        "variables (LEDGER, LEDGER_SQLITE, PGHOST, PGPASSWORD, REDIS_HOST, REDIS_PASSWORD, SYMBOL, TICK_SECONDS, "
        "HEALTH_BIND, ...). Without PGHOST the ledger is SQLite; without REDIS_HOST ticks are not published.",
    )
    parser.add_argument("--once", action="store_true", help="process --ticks ticks, then exit (for a systemd timer)")
    parser.add_argument("--ticks", type=int, default=None, help="ticks to process with --once (default: SMA_SLOW + 1)")
    parser.add_argument("--mode", choices=["paper"], default="paper", help="only paper trading is implemented")
    parser.add_argument("--print-schema", action="store_true",
                        help="print the SQL schema of the active ledger (see LEDGER) and exit")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument("--version", action="version", version="%(prog)s " + __version__)
    args = parser.parse_args(argv)
    if args.ticks is not None and args.ticks < 1:
        parser.error("--ticks must be at least 1")
    return args


def setup_logging(level: str, log_file=None) -> None:
    """Log lines go to stderr (the journal under systemd) and, when LOG_FILE is set, to that file."""
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(stream)
    if log_file:
        handler = logging.handlers.WatchedFileHandler(log_file, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)


def price_source(settings):
    if settings.price_csv:
        return replay(load_csv(settings.price_csv, settings.symbol))
    return random_walk(settings.start_price, settings.volatility, settings.seed)


def log_ledger(settings, store) -> None:
    """Log where the ledger is kept (host or file, never a credential)."""
    backend = getattr(store, "backend", settings.ledger)
    if backend == "sqlite":
        LOG.info("ledger: SQLite file %s", os.path.abspath(settings.ledger_sqlite))
    else:
        LOG.info("ledger: PostgreSQL on %s:%d, database %s", settings.pg_host, settings.pg_port, settings.pg_database)


def _close(name, client):
    try:
        client.close()
    except Exception as exc:  # pylint: disable=broad-except
        LOG.warning("closing %s failed: %s", name, type(exc).__name__)


def main(argv=None, store_factory=None, publisher_factory=None) -> int:
    """Entry point; the factories exist so tests can run the real loop against stand-ins."""
    args = parse_args(argv)
    try:
        if args.print_schema:
            backend, _path = resolve_ledger(os.environ)
            sys.stdout.write("-- paper-bot ledger schema (%s)\n" % backend)
            sys.stdout.write(";\n\n".join(DIALECTS[backend].schema) + ";\n")
            return 0
        settings = Settings.from_env()
    except ConfigError as exc:
        sys.stderr.write("paper-bot: %s\n" % exc)
        return 2
    setup_logging(args.log_level, settings.log_file)

    store = store_factory(settings) if store_factory else store_for(settings)
    publisher = publisher_factory(settings) if publisher_factory else publisher_for(settings)
    log_ledger(settings, store)
    metrics = Metrics(settings.symbol)
    bot = PaperBot(settings, store, publisher, price_source(settings), metrics)

    stop = threading.Event()

    def on_signal(signum, _frame):
        LOG.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    server = None
    status = 0
    try:
        if args.once:
            ticks = args.ticks or settings.sma_slow + 1
            LOG.info("paper-bot %s: one session of %d ticks for %s", __version__, ticks, settings.symbol)
            try:
                bot.prepare()
                for _tick in range(ticks):
                    if stop.is_set():
                        break
                    bot.step()
            except StopIteration:
                LOG.info("price source exhausted")
            except Exception as exc:  # pylint: disable=broad-except
                LOG.error("session failed: %s: %s", type(exc).__name__, exc)
                status = 1
        else:
            if settings.health_port:
                server = HealthServer(settings.health_host, settings.health_port, store, publisher, metrics).start()
                LOG.info("health endpoint on http://%s:%d/healthz", *server.address)
            LOG.info(
                "paper-bot %s: %s every %.2f s, %s",
                __version__, settings.symbol, settings.tick_seconds,
                "publishing to %s" % publisher.channel if publisher.enabled else "not publishing (no REDIS_HOST)",
            )
            bot.run(stop)
    finally:
        if server is not None:
            server.stop()
        _close("ledger connection", store)
        _close("Redis connection", publisher)
        LOG.info("stopped after %d ticks", bot.seq)
    return status


if __name__ == "__main__":
    sys.exit(main())
