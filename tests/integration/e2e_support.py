# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The end-to-end sandbox (tests/fixtures/e2e.yml: project itest-e2e, moto on 127.0.0.1:4591)
shared by test_sandbox_e2e.py, test_sandbox_faults.py and test_sandbox_teardown.py, in that
order, through the session fixture `deployed` of conftest.py: playbook runs, commands on the bot
host's container and on the cloud container, and the sandbox's AWS API (moto, the test double
for AWS)."""

import os
import shutil
import subprocess
import time

import pytest

boto3 = pytest.importorskip("boto3")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VARS = os.path.join(REPO, "tests", "fixtures", "e2e.yml")
CRASHING = os.path.join(REPO, "tests", "fixtures", "crashing_paper_bot")
PROJECT = "itest-e2e"
MOTO = "http://127.0.0.1:4591"
BOT = "paper"
UNIT = "paper.service"
# A second bot of the same package on a host of its own, with a database of its own.
OTHER_BOT = "hedge"
HEALTH = "http://127.0.0.1:8000/healthz"
SECRET = PROJECT + "/prod/paper-keys"
DB_SECRET = PROJECT + "/prod/db-master"
# The paper bot's own database (bot_names db_name) and the administration database.
DATABASE = "bot_paper"
ADMIN_DATABASE = "tradeops"
RESTART_SEC = 5

FIGURES = {}
# The fault suite's table (test_sandbox_faults.py), printed at the end of the session.
FAULTS = []

# Polls the bot's health endpoint every 100 ms inside the host (benchmarks/poll_health.py, fed
# on standard input) until the stop file exists, then prints a JSON summary.
POLLER = os.path.join(REPO, "benchmarks", "poll_health.py")
POLL_STOP = "/run/tradeops-poll.stop"


def _env():
    env = dict(os.environ)
    env.update({
        "TRADEOPS_PROJECT": PROJECT,
        "TRADEOPS_SANDBOX_AWS_URL": MOTO,
        "ANSIBLE_CONFIG": os.path.join(REPO, "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "AWS_ACCESS_KEY_ID": "sandbox",
        "AWS_SECRET_ACCESS_KEY": "sandbox",
    })
    env.pop("AWS_PROFILE", None)
    return env


def playbook_command(name, *extra, env=None):
    """(argv, environment) of a playbook run of this repository with the test deployment."""
    cmd = [shutil.which("ansible-playbook") or "ansible-playbook",
           os.path.join(REPO, name), "-e", "@" + VARS] + list(extra)
    return cmd, dict(_env(), **(env or {}))


def playbook(name, *extra, check=True, env=None):
    """Run a playbook of this repository with the test deployment; return (rc, output, seconds)."""
    cmd, environ = playbook_command(name, *extra, env=env)
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=REPO, env=environ, capture_output=True, text=True, check=False)
    took = time.monotonic() - start
    out = proc.stdout + proc.stderr
    if check and proc.returncode != 0:
        pytest.fail("%s failed (rc %d):\n%s" % (name, proc.returncode, out[-6000:]))
    return proc.returncode, out, took


def host_container(bot=BOT):
    """The container that plays the running instance tagged Bot=<bot> (one per bot)."""
    reservations = aws("ec2").describe_instances(Filters=[
        {"Name": "tag:Project", "Values": [PROJECT]}, {"Name": "tag:Bot", "Values": [bot]},
        {"Name": "instance-state-name", "Values": ["running"]}])["Reservations"]
    ids = [i["InstanceId"] for r in reservations for i in r["Instances"]]
    assert len(ids) == 1, "expected one running host of bot %s, found %r" % (bot, ids)
    return "tradeops-%s-%s" % (PROJECT, ids[0])


def on_host(*cmd, check=True, bot=BOT):
    proc = subprocess.run(["docker", "exec", host_container(bot)] + list(cmd),
                          capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        pytest.fail("%s on the host failed (rc %d): %s" % (" ".join(cmd), proc.returncode, proc.stderr))
    return proc.stdout.strip()


def unit_state(bot=BOT):
    """(ActiveState, MainPID) of the bot's unit; ("unknown", 0) while systemd does not answer
    (the host is booting)."""
    out = on_host("systemctl", "show", "-p", "ActiveState", "-p", "MainPID", bot + ".service", check=False,
                  bot=bot)
    props = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    return props.get("ActiveState", "unknown"), int(props.get("MainPID") or 0)


def health_status():
    script = ("import urllib.request,sys\n"
              "try:\n print(urllib.request.urlopen(%r, timeout=2).status)\n"
              "except Exception as e:\n print(getattr(e, 'code', 0))\n" % HEALTH)
    return int(on_host("python3", "-c", script, check=False) or 0)


def current_release():
    return os.path.basename(on_host("readlink", "/opt/%s/current" % BOT))


def aws(service):
    return boto3.client(service, endpoint_url=MOTO, region_name="us-east-1",
                        aws_access_key_id="sandbox", aws_secret_access_key="sandbox")


def down():
    playbook("playbooks/sandbox_down.yml", check=False)


def cloud(*cmd, check=True):
    """A command in the sandbox's cloud container (its data services)."""
    proc = subprocess.run(["docker", "exec", "tradeops-%s-cloud" % PROJECT] + list(cmd),
                          capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        pytest.fail("%s in the cloud failed (rc %d): %s" % (" ".join(cmd), proc.returncode, proc.stderr))
    return proc.stdout.strip()


def orders():
    """Orders in the paper bot's ledger (PostgreSQL in the cloud container)."""
    out = cloud("runuser", "-u", "postgres", "--", "psql", "-d", DATABASE, "-tAc",
                "SELECT count(*) FROM paper_orders", check=False)
    return int(out) if out.isdigit() else -1


def faults_table():
    """The fault suite's rows as a text table."""
    head = ("fault", "recovery", "seconds", "orders before", "after", "lost")
    rows = [head] + [(r["fault"], r["recovery"], "%.1f" % r["seconds"], str(r["orders_before"]),
                      str(r["orders_after"]), str(r["lost"])) for r in FAULTS]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows)
