"""``paper-bot-dashboard``: a read-only HTML page of the latest paper orders, on loopback only.

Reach it through an SSH tunnel or SSM port forwarding; it never listens on a public address.
DASHBOARD_HOST (default 127.0.0.1, loopback only) and DASHBOARD_PORT (default 5001) choose the
address; the ledger settings are the bot's (LEDGER, LEDGER_SQLITE or STATE_DIRECTORY, PGHOST,
PGUSER, PGPASSWORD, ...). A SQLite ledger is opened read-only and never created here.
"""

from __future__ import annotations

import html
import http.server
import logging
import os
import signal
import sys
import threading

from .config import ConfigError, Settings, parse_bind
from .health import TextHandler
from .store import store_for

LOG = logging.getLogger("paper_bot.dashboard")
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>paper-bot {symbol}</title></head>
<body><h1>paper-bot: {symbol}</h1>
<table border="1" cellpadding="4">
<tr><th>order</th><th>side</th><th>qty</th><th>price</th><th>status</th><th>time (UTC)</th></tr>
{rows}
</table></body></html>
"""


def render(symbol: str, orders) -> str:
    rows = "\n".join(
        "<tr>%s</tr>" % "".join("<td>%s</td>" % html.escape(str(value)) for value in order) for order in orders
    )
    return PAGE.format(symbol=html.escape(symbol), rows=rows or '<tr><td colspan="6">no orders yet</td></tr>')


class DashboardHandler(TextHandler):
    """GET / (orders page) and GET /healthz; the server carries store, symbol and limit."""

    server_version = "paper-bot-dashboard"

    def do_GET(self):  # noqa: N802 (http.server's naming)  pylint: disable=invalid-name
        path = self.path.split("?", 1)[0]
        try:
            if path == "/":
                orders = self.server.store.recent_orders(self.server.symbol, self.server.limit)
                self._send(200, render(self.server.symbol, orders), "text/html; charset=utf-8")
            elif path == "/healthz":
                self.server.store.ping()
                self._send(200, "ok\n", "text/plain; charset=utf-8")
            else:
                self._send(404, "not found\n", "text/plain; charset=utf-8")
        except Exception as exc:  # pylint: disable=broad-except
            LOG.warning("database unavailable: %s", type(exc).__name__)
            self._send(503, "database unavailable\n", "text/plain; charset=utf-8")

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        LOG.debug("dashboard: " + format, *args)


def make_server(host: str, port: int, store, symbol: str, limit: int = 50):
    server = http.server.ThreadingHTTPServer((host, port), DashboardHandler)
    server.daemon_threads = True
    server.store = store
    server.symbol = symbol
    server.limit = limit
    return server


def main(argv=None, store_factory=None) -> int:
    del argv  # no options: everything comes from the environment
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
        host, port = parse_bind("%s:%s" % (os.environ.get("DASHBOARD_HOST", "127.0.0.1"),
                                           os.environ.get("DASHBOARD_PORT", "5001")))
    except ConfigError as exc:
        sys.stderr.write("paper-bot-dashboard: %s\n" % str(exc).replace("HEALTH_BIND", "DASHBOARD_HOST/DASHBOARD_PORT"))
        return 2
    store = store_factory(settings) if store_factory else store_for(settings, readonly=True)
    server = make_server(host, port, store, settings.symbol)
    stopper = threading.Thread(target=server.shutdown, daemon=True)
    signal.signal(signal.SIGTERM, lambda *_args: stopper.start())
    signal.signal(signal.SIGINT, lambda *_args: stopper.start())
    LOG.info("dashboard of %s (%s ledger) on http://%s:%d/", settings.symbol,
             getattr(store, "backend", settings.ledger), *server.server_address[:2])
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        store.close()
        LOG.info("dashboard stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
