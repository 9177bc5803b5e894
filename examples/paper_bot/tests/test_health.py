"""The /healthz and /metrics endpoints, with stand-ins for PostgreSQL and Redis, and with SQLite."""

import json
import urllib.error
import urllib.request

import pytest

from fakes import FakeConnection, FakePublisher, FakeStore
from paper_bot.health import HealthServer, Metrics, check_dependencies
from paper_bot.publisher import NullPublisher, Publisher
from paper_bot.store import SQLITE, Store, sqlite_connect


def get(server, path):
    host, port = server.address
    try:
        with urllib.request.urlopen("http://%s:%d%s" % (host, port, path), timeout=5) as response:
            return response.status, response.headers.get("Content-Type"), response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type"), err.read().decode()


@pytest.fixture
def serve():
    servers = []

    def start(store, publisher, metrics=None):
        server = HealthServer("127.0.0.1", 0, store, publisher, metrics or Metrics("TEST")).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def test_healthz_is_200_when_both_answer(serve):
    status, ctype, body = get(serve(FakeStore(), FakePublisher()), "/healthz")
    report = json.loads(body)
    assert status == 200 and ctype == "application/json"
    assert report["status"] == "ok"
    assert report["checks"]["db"]["ok"] and report["checks"]["redis"]["ok"]


@pytest.mark.parametrize("db_ok,redis_ok", [(False, True), (True, False), (False, False)])
def test_healthz_is_503_when_a_dependency_fails(serve, db_ok, redis_ok):
    status, _ctype, body = get(serve(FakeStore(healthy=db_ok), FakePublisher(healthy=redis_ok)), "/healthz")
    report = json.loads(body)
    assert status == 503
    assert report["status"] == "unhealthy"
    assert report["checks"]["db"]["ok"] is db_ok
    assert report["checks"]["redis"]["ok"] is redis_ok
    failed = [name for name, ok in (("db", db_ok), ("redis", redis_ok)) if not ok]
    assert all(report["checks"][name]["error"] == "ConnectionError" for name in failed)


def test_metrics_are_prometheus_text(serve):
    metrics = Metrics("TEST")
    metrics.inc("paper_bot_ticks_total", symbol="TEST")
    metrics.inc("paper_bot_ticks_total", symbol="TEST")
    metrics.set("paper_bot_last_price", 101.25, symbol="TEST")
    status, ctype, body = get(serve(FakeStore(), FakePublisher(), metrics), "/metrics")
    assert status == 200 and ctype.startswith("text/plain; version=0.0.4")
    lines = body.splitlines()
    assert "# TYPE paper_bot_ticks_total counter" in lines
    assert 'paper_bot_ticks_total{symbol="TEST"} 2.0' in lines
    assert 'paper_bot_last_price{symbol="TEST"} 101.25' in lines
    assert any(line.startswith("paper_bot_start_time_seconds ") for line in lines)


def test_unknown_path_is_404(serve):
    status, _ctype, _body = get(serve(FakeStore(), FakePublisher()), "/admin")
    assert status == 404


def test_error_reports_carry_no_exception_text():
    class Leaky(FakeStore):
        def ping(self):
            raise RuntimeError("password=hunter2")

    healthy, report = check_dependencies(Leaky(), FakePublisher())
    assert not healthy
    assert "hunter2" not in json.dumps(report)


def test_healthz_is_200_with_sqlite_and_no_redis(serve, tmp_path):
    path = str(tmp_path / "ledger.sqlite3")
    ledger = Store(lambda: sqlite_connect(path), SQLITE)
    ledger.ensure_schema()  # the connection is made in this thread, pinged from the server's
    status, _ctype, body = get(serve(ledger, NullPublisher("ticker.TEST")), "/healthz")
    report = json.loads(body)
    assert status == 200 and report["status"] == "ok"
    assert report["checks"]["db"]["backend"] == "sqlite" and report["checks"]["db"]["ok"]
    assert report["checks"]["redis"]["ok"] and report["checks"]["redis"]["enabled"] is False
    assert "REDIS_HOST is not set" in report["checks"]["redis"]["detail"]
    ledger.close()


def test_healthz_names_postgresql_and_redis_when_they_are_used(serve):
    class Client:
        @staticmethod
        def ping():
            return True

    status, _ctype, body = get(serve(Store(FakeConnection), Publisher(Client(), "ticker.TEST")), "/healthz")
    checks = json.loads(body)["checks"]
    assert status == 200
    assert checks["db"] == {"ok": True, "backend": "postgresql", "latency_ms": checks["db"]["latency_ms"]}
    assert checks["redis"]["enabled"] is True and checks["redis"]["channel"] == "ticker.TEST"


def test_an_unreachable_sqlite_file_is_503(serve, tmp_path):
    missing = str(tmp_path / "missing" / "ledger.sqlite3")
    status, _ctype, body = get(serve(Store(lambda: sqlite_connect(missing, readonly=True), SQLITE),
                                     NullPublisher("ticker.TEST")), "/healthz")
    report = json.loads(body)
    assert status == 503
    assert report["checks"]["db"] == {"ok": False, "error": "OperationalError", "backend": "sqlite",
                                      "latency_ms": report["checks"]["db"]["latency_ms"]}
    assert report["checks"]["redis"]["ok"]
