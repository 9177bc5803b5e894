"""The read-only dashboard, with a ledger stand-in and with a SQLite ledger."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from fakes import FakeStore
from paper_bot.config import Settings
from paper_bot.dashboard import make_server, render
from paper_bot.store import SQLITE, Store, sqlite_connect, store_for

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")


@pytest.fixture
def dashboard():
    servers = []

    def start(store):
        server = make_server("127.0.0.1", 0, store, "TEST")
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return "http://127.0.0.1:%d" % server.server_address[1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_page_lists_orders_newest_first(dashboard):
    store = FakeStore()
    store.record_fill("TEST", "buy", 1.0, 10.0)
    store.record_fill("TEST", "sell", 1.0, 12.5)
    status, body = fetch(dashboard(store) + "/")
    assert status == 200
    assert body.index("<td>sell</td>") < body.index("<td>buy</td>")
    assert "<td>12.5</td>" in body


def test_page_and_health_are_503_without_database(dashboard):
    base = dashboard(FakeStore(healthy=False))
    assert fetch(base + "/")[0] == 503
    assert fetch(base + "/healthz")[0] == 503
    assert fetch(dashboard(FakeStore()) + "/healthz") == (200, "ok\n")


def test_values_are_html_escaped():
    page = render("<b>", [(1, "<script>", 1, 2, "filled", "now")])
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;" in page
    assert "no orders yet" in render("TEST", [])


def test_non_loopback_address_is_refused():
    env = dict(os.environ, PYTHONPATH=SRC, DASHBOARD_HOST="0.0.0.0")
    proc = subprocess.run([sys.executable, "-m", "paper_bot.dashboard"], env=env, capture_output=True, text=True,
                          timeout=30, check=False)
    assert proc.returncode == 2
    assert "DASHBOARD_HOST/DASHBOARD_PORT must be a loopback address" in proc.stderr


def test_sigterm_stops_the_dashboard_with_exit_zero():
    script = ("import sys; from fakes import FakeStore; from paper_bot import dashboard; "
              "sys.exit(dashboard.main(store_factory=lambda s: FakeStore()))")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = str(sock.getsockname()[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([SRC, HERE]), DASHBOARD_PORT=port)
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and fetch_or_none("http://127.0.0.1:%s/healthz" % port) is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "dashboard stopped" in err


def fetch_or_none(url):
    try:
        return fetch(url)
    except OSError:
        return None


def test_page_reads_a_sqlite_ledger_read_only(dashboard, tmp_path):
    path = str(tmp_path / "ledger.sqlite3")
    writer = Store(lambda: sqlite_connect(path), SQLITE)
    writer.ensure_schema()
    writer.record_fill("TEST", "buy", 1.0, 10.0)
    writer.record_fill("TEST", "sell", 1.0, 12.5)
    writer.record_fill("OTHER", "buy", 3.0, 99.0)
    reader = store_for(Settings.from_env({"LEDGER_SQLITE": path}), readonly=True)
    base = dashboard(reader)
    status, body = fetch(base + "/")
    assert status == 200
    assert body.index("<td>sell</td>") < body.index("<td>buy</td>")
    assert "<td>12.5</td>" in body and "<td>99.0</td>" not in body
    assert fetch(base + "/healthz") == (200, "ok\n")
    writer.record_fill("TEST", "buy", 2.0, 11.0)  # the bot keeps writing while the dashboard reads
    assert fetch(base + "/")[1].count("<tr><td>") == 3
    reader.close()
    writer.close()


def test_missing_sqlite_ledger_is_503_and_is_not_created(dashboard, tmp_path):
    path = str(tmp_path / "ledger.sqlite3")
    base = dashboard(store_for(Settings.from_env({"STATE_DIRECTORY": str(tmp_path)}), readonly=True))
    assert fetch(base + "/")[0] == 503
    assert fetch(base + "/healthz")[0] == 503
    assert not os.path.exists(path)


def test_dashboard_command_serves_the_sqlite_ledger(tmp_path):
    path = str(tmp_path / "ledger.sqlite3")
    writer = Store(lambda: sqlite_connect(path), SQLITE)
    writer.ensure_schema()
    writer.record_fill("PAPER", "buy", 1.0, 42.5)
    writer.close()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = str(sock.getsockname()[1])
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PG", "REDIS_", "LEDGER", "SYMBOL"))}
    env.update(PYTHONPATH=SRC, DASHBOARD_PORT=port, STATE_DIRECTORY=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-m", "paper_bot.dashboard"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 15
    page = None
    while time.monotonic() < deadline and page is None:
        page = fetch_or_none("http://127.0.0.1:%s/" % port)
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert page is not None and page[0] == 200, err
    assert "<td>42.5</td>" in page[1]
    assert "(sqlite ledger)" in err
