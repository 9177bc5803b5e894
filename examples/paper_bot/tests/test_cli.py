"""The command line in a subprocess: SIGTERM stops it cleanly, --once runs one session."""

import json
import os
import signal
import socket
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


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(**extra):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PG", "REDIS_"))}
    env.update(PYTHONPATH=os.pathsep.join([SRC, HERE]), SYMBOL="TEST", TICK_SECONDS="0.05", SMA_FAST="2", SMA_SLOW="4")
    env.update(extra)
    return env


def start(args, script=None, **extra):
    port = free_port()
    env = environment(HEALTH_BIND="127.0.0.1:%d" % port, **extra)
    command = [sys.executable, "-c", script, *args] if script else [sys.executable, "-m", "paper_bot", *args]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, port


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


@pytest.mark.parametrize("env", [{"HEALTH_BIND": "0.0.0.0:8000"}, {"TICK_SECONDS": "never"}])
def test_bad_settings_exit_two_with_a_message(env):
    proc = subprocess.run([sys.executable, "-m", "paper_bot"], env=environment(**env), capture_output=True, text=True,
                          timeout=30, check=False)
    assert proc.returncode == 2
    assert list(env)[0] in proc.stderr


def test_print_schema_needs_no_services():
    proc = subprocess.run([sys.executable, "-m", "paper_bot", "--print-schema"], env=environment(), capture_output=True,
                          text=True, timeout=30, check=False)
    assert proc.returncode == 0
    assert proc.stdout.count("CREATE TABLE IF NOT EXISTS") == 3
