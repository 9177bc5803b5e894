"""The command line in a subprocess: SIGTERM stops it cleanly, --once runs one session."""

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")

# Runs the real entry point with the ledger and ticker stand-ins, then reports what was closed.
WITH_FAKES = """
import sys
from fakes import FakePublisher, FakeStore
from paper_bot import cli
made = {}
def store(settings):
    made["store"] = FakeStore()
    return made["store"]
def publisher(settings):
    made["publisher"] = FakePublisher(channel=settings.channel)
    return made["publisher"]
rc = cli.main(sys.argv[1:], store_factory=store, publisher_factory=publisher)
print("ticks=%d store_closed=%s publisher_closed=%s" % (
    len(made["store"].ticks), made["store"].closed, made["publisher"].closed))
sys.exit(rc)
"""

# Runs the real entry point (real ledger and publisher) where no outgoing connection can be made,
# then reports which client libraries were imported.
NO_NETWORK = """
import socket
import sys
def refuse(*_args, **_kwargs):
    raise AssertionError("paper-bot tried to reach the network")
socket.socket.connect = socket.socket.connect_ex = refuse
socket.create_connection = refuse
from paper_bot import cli
rc = cli.main(sys.argv[1:])
print("imported=%s" % ",".join(name for name in ("pg8000", "redis") if name in sys.modules))
sys.exit(rc)
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(**extra):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PG", "REDIS_", "LEDGER")) and key != "STATE_DIRECTORY"}
    env.update(PYTHONPATH=os.pathsep.join([SRC, HERE]), SYMBOL="TEST", TICK_SECONDS="0.05", SMA_FAST="2", SMA_SLOW="4")
    env.update(extra)
    return env


def start(args, script=None, cwd=None, **extra):
    port = free_port()
    env = environment(HEALTH_BIND="127.0.0.1:%d" % port, **extra)
    command = [sys.executable, "-c", script, *args] if script else [sys.executable, "-m", "paper_bot", *args]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
    return proc, port


def ledger_rows(path, sql):
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


def wait_for_health(proc, port, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError("bot exited early: %s" % proc.stderr.read())
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())
        except OSError:
            time.sleep(0.05)
    raise AssertionError("health endpoint never answered")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, out, err


def test_sigterm_closes_connections_and_exits_zero():
    proc, port = start([], script=WITH_FAKES)
    status, report = wait_for_health(proc, port)
    assert status == 200 and report["status"] == "ok"
    time.sleep(0.3)
    rc, out, err = stop(proc)
    assert rc == 0, err
    assert "store_closed=True publisher_closed=True" in out
    assert int(out.split("ticks=")[1].split()[0]) >= 2
    assert "received SIGTERM, stopping" in err


def test_unreachable_services_give_503_and_sigterm_still_exits_zero():
    closed = str(free_port())
    proc, port = start([], PGHOST="127.0.0.1", PGPORT=closed, PGPASSWORD="not-logged", REDIS_HOST="127.0.0.1",
                       REDIS_PORT=closed, REDIS_PASSWORD="not-logged-either")
    status, report = wait_for_health(proc, port)
    assert status == 503
    assert not report["checks"]["db"]["ok"] and not report["checks"]["redis"]["ok"]
    rc, out, err = stop(proc)
    assert rc == 0, err
    assert "not-logged" not in out + err


def test_once_processes_the_requested_ticks_and_exits():
    proc, _port = start(["--once", "--ticks", "7"], script=WITH_FAKES)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "ticks=7 store_closed=True publisher_closed=True" in out


def test_once_fails_when_the_database_is_unreachable():
    closed = str(free_port())
    proc, _port = start(["--once"], PGHOST="127.0.0.1", PGPORT=closed, REDIS_HOST="127.0.0.1", REDIS_PORT=closed)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "session failed" in err


@pytest.mark.parametrize("env", [{"HEALTH_BIND": "0.0.0.0:8000"}, {"TICK_SECONDS": "never"}, {"LEDGER": "mysql"}])
def test_bad_settings_exit_two_with_a_message(env):
    proc = subprocess.run([sys.executable, "-m", "paper_bot"], env=environment(**env), capture_output=True, text=True,
                          timeout=30, check=False)
    assert proc.returncode == 2
    assert list(env)[0] in proc.stderr


@pytest.mark.parametrize(
    "env,backend,marker",
    [
        ({}, "sqlite", "INTEGER PRIMARY KEY AUTOINCREMENT"),
        ({"PGHOST": "db.internal"}, "postgresql", "BIGSERIAL PRIMARY KEY"),
        ({"PGHOST": "db.internal", "LEDGER": "sqlite"}, "sqlite", "INTEGER PRIMARY KEY AUTOINCREMENT"),
        ({"LEDGER": "postgresql"}, "postgresql", "BIGSERIAL PRIMARY KEY"),
    ],
)
def test_print_schema_of_the_active_backend_needs_no_services(env, backend, marker, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "paper_bot", "--print-schema"], env=environment(**env),
                          capture_output=True, text=True, timeout=30, check=False, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("-- paper-bot ledger schema (%s)\n" % backend)
    assert proc.stdout.count("CREATE TABLE IF NOT EXISTS") == 3
    assert proc.stdout.count(marker) == 3
    assert os.listdir(str(tmp_path)) == []  # nothing was opened


def test_print_schema_refuses_an_unknown_ledger():
    proc = subprocess.run([sys.executable, "-m", "paper_bot", "--print-schema"], env=environment(LEDGER="oracle"),
                          capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 2
    assert "LEDGER must be one of auto, postgresql, sqlite; got 'oracle'" in proc.stderr


def test_once_with_sqlite_and_no_redis_needs_no_network(tmp_path):
    """No PGHOST and no REDIS_HOST: the ledger is $STATE_DIRECTORY/ledger.sqlite3, nothing is published."""
    state = tmp_path / "state"
    state.mkdir()
    ledger = str(state / "ledger.sqlite3")
    for session in (1, 2):
        proc, _port = start(["--once", "--ticks", "5"], script=NO_NETWORK, cwd=str(tmp_path), STATE_DIRECTORY=str(state),
                            SEED="7")
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "imported=\n" in out  # neither pg8000 nor redis
        assert "ledger: SQLite file %s" % ledger in err
        assert ledger_rows(ledger, "SELECT COUNT(*) FROM paper_ticks") == [(5 * session,)]
    # the second session warmed up from the first one's ticks
    assert "ledger ready: 4 recorded prices for TEST" in err
    assert os.listdir(str(tmp_path)) == ["state"]
    orders = ledger_rows(ledger, "SELECT side, qty, status FROM paper_orders ORDER BY id")
    fills = ledger_rows(ledger, "SELECT order_id FROM paper_fills ORDER BY id")
    assert len(orders) == len(fills) and all(status == "filled" for _side, _qty, status in orders)


def test_once_uses_ledger_sqlite_before_state_directory(tmp_path):
    ledger = str(tmp_path / "data" / "book.sqlite3")
    proc, _port = start(["--once", "--ticks", "3"], script=NO_NETWORK, cwd=str(tmp_path), LEDGER_SQLITE=ledger,
                        STATE_DIRECTORY=str(tmp_path / "unused"))
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert ledger_rows(ledger, "SELECT COUNT(*) FROM paper_ticks") == [(3,)]
    assert sorted(os.listdir(str(tmp_path))) == ["data"]


def test_once_fails_when_the_sqlite_file_cannot_be_written(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    proc, _port = start(["--once"], script=NO_NETWORK, LEDGER_SQLITE=str(blocker / "ledger.sqlite3"))
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "session failed" in err


def test_long_running_with_sqlite_and_no_redis_is_healthy(tmp_path):
    ledger = str(tmp_path / "ledger.sqlite3")
    proc, port = start([], script=NO_NETWORK, cwd=str(tmp_path), LEDGER_SQLITE=ledger)
    status, report = wait_for_health(proc, port)
    assert status == 200 and report["status"] == "ok", report
    assert report["checks"]["db"]["backend"] == "sqlite"
    assert report["checks"]["redis"]["enabled"] is False
    time.sleep(0.3)
    status, report = wait_for_health(proc, port)  # again while the loop writes
    assert status == 200, report
    rc, out, err = stop(proc)
    assert rc == 0, err
    assert "imported=\n" in out
    assert "not publishing (no REDIS_HOST)" in err
    assert ledger_rows(ledger, "SELECT COUNT(*) FROM paper_ticks")[0][0] >= 2
