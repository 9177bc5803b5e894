"""GET /healthz and GET /metrics on a loopback address (stdlib http.server in a thread)."""

from __future__ import annotations

import http.server
import json
import logging
import threading
import time
from typing import Dict, Optional, Tuple

LOG = logging.getLogger(__name__)


class Metrics:
    """A few counters and gauges, rendered in the Prometheus text exposition format."""

    def __init__(self, symbol: str):
        self.symbol = symbol
        self.started = time.time()
        self._lock = threading.Lock()
        self._counters: Dict[Tuple[str, Tuple], float] = {}
        self._gauges: Dict[Tuple[str, Tuple], float] = {}

    def inc(self, name: str, amount: float = 1.0, **labels) -> None:
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            self._counters[key] = self._counters.get(key, 0.0) + amount

    def set(self, name: str, value: float, **labels) -> None:
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            self._gauges[key] = float(value)

    def value(self, name: str, **labels) -> Optional[float]:
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            return self._counters.get(key, self._gauges.get(key))

    @staticmethod
    def _line(name, labels, value) -> str:
        if labels:
            text = ",".join('%s="%s"' % (k, str(v).replace("\\", "\\\\").replace('"', '\\"')) for k, v in labels)
            return "%s{%s} %s" % (name, text, repr(float(value)))
        return "%s %s" % (name, repr(float(value)))

    def render(self) -> str:
        with self._lock:
            counters = sorted(self._counters.items())
            gauges = sorted(self._gauges.items())
        lines = []
        seen = set()
        for kind, items in (("counter", counters), ("gauge", gauges)):
            for (name, labels), value in items:
                if name not in seen:
                    seen.add(name)
                    lines.append("# TYPE %s %s" % (name, kind))
                lines.append(self._line(name, labels, value))
        lines.append("# TYPE paper_bot_start_time_seconds gauge")
        lines.append(self._line("paper_bot_start_time_seconds", (), self.started))
        return "\n".join(lines) + "\n"


def _describe(client) -> dict:
    """What the client says about itself (ledger backend, whether Redis is used), if anything."""
    describe = getattr(client, "describe", None)
    return dict(describe()) if callable(describe) else {}


def check_dependencies(store, publisher) -> Tuple[bool, dict]:
    """Ping the ledger and Redis; returns (all ok, JSON-able report). Errors never carry secrets.

    checks.db.backend names the ledger (postgresql or sqlite); checks.redis.enabled is false when
    there is no Redis (no REDIS_HOST), whose check then always succeeds.
    """
    report = {}
    for name, client in (("db", store), ("redis", publisher)):
        started = time.monotonic()
        try:
            client.ping()
        except Exception as exc:  # pylint: disable=broad-except
            report[name] = {"ok": False, "error": type(exc).__name__}
        else:
            report[name] = {"ok": True}
        report[name].update(_describe(client))
        report[name]["latency_ms"] = round((time.monotonic() - started) * 1000.0, 1)
    healthy = all(item["ok"] for item in report.values())
    return healthy, {"status": "ok" if healthy else "unhealthy", "checks": report}


class TextHandler(http.server.BaseHTTPRequestHandler):
    """Answers with one whole text body, never cached; the base of the bot's handlers."""

    def _send(self, status: int, body: str, content_type: str) -> None:
        payload = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(payload)


class HealthHandler(TextHandler):
    """Routes /healthz and /metrics; the server object carries store, publisher and metrics."""

    server_version = "paper-bot"

    def do_GET(self):  # noqa: N802 (http.server's naming)  pylint: disable=invalid-name
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            healthy, report = check_dependencies(self.server.store, self.server.publisher)
            report["symbol"] = self.server.metrics.symbol
            self._send(200 if healthy else 503, json.dumps(report, sort_keys=True) + "\n", "application/json")
        elif path == "/metrics":
            self._send(200, self.server.metrics.render(), "text/plain; version=0.0.4; charset=utf-8")
        else:
            self._send(404, json.dumps({"error": "not found"}) + "\n", "application/json")

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        LOG.debug("health endpoint: " + format, *args)


class HealthServer:
    """Serves the endpoints from a daemon thread until ``stop``."""

    def __init__(self, host: str, port: int, store, publisher, metrics: Metrics):
        self._server = http.server.ThreadingHTTPServer((host, port), HealthHandler)
        self._server.daemon_threads = True
        self._server.store = store
        self._server.publisher = publisher
        self._server.metrics = metrics
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), name="health", daemon=True)

    @property
    def address(self) -> Tuple[str, int]:
        return self._server.server_address[:2]

    def start(self) -> "HealthServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
