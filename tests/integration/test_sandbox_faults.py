"""The fault suite (`make faults`), on the end-to-end sandbox (e2e_support.py).

Faults a user meets, one at a time, each followed by what brings the bot back: the bot killed
with SIGKILL, its host container restarted, the database and the cache stopped and started, a
broken release, a deleted secret, a run that fails at each step after the new release is
staged (env file, units, switch, restart: nothing may be left half-changed), an interrupted
site.yml (SIGINT in the middle of provisioning, then of configure), and the cloud container
restarted. For each the table (printed at the end of the session, conftest.py) says
whether the bot came back by itself or the next run repaired it, how long that took, and the
orders in the paper bot's ledger before and after (none may be lost).

The whole module is marked faults_only: it runs with `make faults`, not in `make test` (about
40 minutes on two cores, which make test's time limit cannot take beside the rest).

Each check asserts observed state: the unit's ActiveState and MainPID, the release the running
process was started from (its interpreter's path in /proc/<pid>/cmdline) against `current`,
file checksums, moto's instance ids.
"""

import json
import signal
import subprocess
import time

import pytest

from e2e_support import (BOT, CRASHING, FAULTS, PROJECT, REPO, SECRET, UNIT, aws, cloud, current_release,
                         health_status, host_container, on_host, orders, playbook, playbook_command, unit_state)
from sandbox_support import changed, wait_for

pytestmark = pytest.mark.faults_only

RELEASE_ROOT = "/opt/%s" % BOT
ENV_FILE = "/etc/tradeops/%s.env" % BOT
UNIT_FILE = "/etc/systemd/system/%s" % UNIT
# A version staged by the failing runs below and never made current by them.
NEXT = "0.1.3"


def running_release():
    """The release the bot's running process was started from: its venv's interpreter, which
    pip wrote with the release's real path (/opt/paper/releases/<version>/bin/python)."""
    state, pid = unit_state()
    if state != "active" or not pid:
        return None
    argv = on_host("cat", "/proc/%d/cmdline" % pid).split("\0")
    parts = argv[0].split("/")
    return parts[parts.index("releases") + 1] if "releases" in parts else argv[0]


def link(name):
    return on_host("readlink", "%s/%s" % (RELEASE_ROOT, name), check=False)


def host_state():
    """What a half-changed host would show: links, running release and PID, env and unit files."""
    return {
        "current": link("current"),
        "previous": link("previous"),
        "running": running_release(),
        "pid": unit_state()[1],
        "files": on_host("sha256sum", ENV_FILE, UNIT_FILE),
    }


def row(fault, recovery, seconds, before, after):
    FAULTS.append({"fault": fault, "recovery": recovery, "seconds": round(seconds, 1),
                   "orders_before": before, "orders_after": after, "lost": max(0, before - after)})


def healthy_again(since, seconds=60):
    assert wait_for(lambda: unit_state()[0] == "active" and health_status() == 200, seconds)
    return time.monotonic() - since


@pytest.fixture
def ledger(deployed):
    """Orders before the fault; the test reports the count after."""
    assert wait_for(lambda: orders() >= 0, 30), "the ledger cannot be read"
    return orders()


def test_killed_bot_comes_back(ledger):
    state, pid = unit_state()
    assert state == "active"
    start = time.monotonic()
    on_host("kill", "-9", str(pid))
    assert wait_for(lambda: unit_state()[1] not in (0, pid), 15)
    row("bot killed (SIGKILL)", "by itself (Restart=)", healthy_again(start), ledger, orders())


def test_host_container_restart(ledger):
    start = time.monotonic()
    subprocess.run(["docker", "restart", host_container()], check=True, capture_output=True)
    took = healthy_again(start, 180)
    rc, out, _took = playbook("playbooks/health.yml", "-e", "health_fail=true", "--limit", "bot_" + BOT)
    assert "1 bot(s), 1 healthy" in out
    row("host container restarted", "by itself (units enabled)", took, ledger, orders())


@pytest.mark.parametrize("service,label", [("postgresql", "database"), ("redis-server", "cache")])
def test_data_service_stopped_and_started(ledger, service, label):
    cloud("systemctl", "stop", service)
    time.sleep(10)
    start = time.monotonic()
    cloud("systemctl", "start", service)
    took = healthy_again(start, 120)
    # The bot writes again: new orders reach the ledger.
    assert wait_for(lambda: orders() > ledger, 60), (orders(), ledger)
    row("%s stopped 10 s, started" % label, "by itself", took, ledger, orders())


def test_broken_release_is_rolled_back(ledger):
    before = current_release()
    start = time.monotonic()
    rc, out, took = playbook("playbooks/update.yml", "-e", "bot=" + BOT, "-e", "version=0.1.2",
                             "-e", "package=" + CRASHING, check=False)
    assert rc != 0
    assert "was rolled back to %s, which is healthy" % before in " ".join(out.split()), out[-4000:]
    assert current_release() == before == running_release()
    row("broken release (exits at start)", "update.yml rolled back", healthy_again(start), ledger, orders())


def _secret_value():
    return aws("secretsmanager").get_secret_value(SecretId=SECRET)["SecretString"]


def test_deleted_secret_changes_nothing(ledger):
    """A failure at the env file step: the run names the secret, and nothing is switched."""
    value = _secret_value()
    before = host_state()
    sm = aws("secretsmanager")
    sm.delete_secret(SecretId=SECRET, ForceDeleteWithoutRecovery=True)
    try:
        rc, out, _took = playbook("playbooks/update.yml", "-e", "bot=" + BOT, "-e", "version=" + NEXT,
                                  "--limit", "bot_" + BOT, check=False)
    finally:
        sm.create_secret(Name=SECRET, SecretString=value)
    text = " ".join(out.split())
    assert rc != 0 and SECRET in text, out[-4000:]
    assert "Nothing was left half-changed" in text, out[-4000:]
    assert host_state() == before
    row("deleted secret", "run failed naming it; nothing changed, bot kept running", 0, ledger, orders())


def _readonly(path):
    on_host("mount", "--bind", path, path)
    on_host("mount", "-o", "remount,ro,bind", path)


def _writable(path):
    on_host("umount", path, check=False)


def _drift():
    """Edits by hand a run must rewrite (so that the env file and unit steps change something)."""
    on_host("sh", "-c", "echo '# edited by hand' >> %s && echo '# edited by hand' >> %s" % (ENV_FILE, UNIT_FILE))


@pytest.mark.parametrize("step,playbook_args,fault", [
    ("units", ("playbooks/update.yml", "-e", "version=" + NEXT), "/etc/systemd/system"),
    ("switch", ("playbooks/update.yml", "-e", "version=" + NEXT), RELEASE_ROOT),
    ("units of a rollback", ("playbooks/rollback.yml",), "/etc/systemd/system"),
])
def test_failed_step_leaves_nothing_half_changed(ledger, step, playbook_args, fault):
    """A read-only file system under the step's files: the run fails there, and links, running
    release, env file and units are as before (the hand edits included), the bot never stopped."""
    _drift()
    before = host_state()
    _readonly(fault)
    try:
        rc, out, _took = playbook(playbook_args[0], "-e", "bot=" + BOT, *playbook_args[1:], "--limit", "bot_" + BOT,
                                  check=False)
    finally:
        _writable(fault)
    text = " ".join(out.split())
    assert rc != 0 and "Nothing was left half-changed" in text, out[-4000:]
    assert host_state() == before, out[-4000:]
    row("run fails at the %s step" % step, "nothing changed, bot kept running", 0, ledger, orders())


def test_next_run_repairs_the_hand_edits(ledger):
    start = time.monotonic()
    rc, out, _took = playbook("playbooks/configure.yml", "--limit", "bot_" + BOT)
    assert "edited by hand" not in on_host("cat", UNIT_FILE)
    assert current_release() == running_release()
    row("hand edits left by the failed runs", "next configure.yml repaired", healthy_again(start), ledger,
        orders())


def test_failed_restart_is_put_back(ledger):
    """The new release cannot start (a runtime drop-in refuses it): the old release runs again on
    the links and files it had."""
    before = host_state()
    dropin = "/run/systemd/system/%s.d" % UNIT
    on_host("mkdir", "-p", dropin)
    on_host("sh", "-c", "printf '[Service]\\nExecStartPre=/bin/sh -c \"test $(readlink %s/current) != %s/releases/%s\"\\n'"
            " > %s/99-refuse.conf && systemctl daemon-reload" % (RELEASE_ROOT, RELEASE_ROOT, NEXT, dropin))
    start = time.monotonic()
    try:
        rc, out, _took = playbook("playbooks/update.yml", "-e", "bot=" + BOT, "-e", "version=" + NEXT,
                                  "--limit", "bot_" + BOT, check=False)
    finally:
        on_host("sh", "-c", "rm -rf %s && systemctl daemon-reload" % dropin)
    text = " ".join(out.split())
    assert rc != 0 and "Nothing was left half-changed" in text, out[-4000:]
    after = host_state()
    assert {k: after[k] for k in ("current", "previous", "running", "files")} == \
        {k: before[k] for k in ("current", "previous", "running", "files")}
    row("new release cannot start", "old release restarted on its links", healthy_again(start), ledger, orders())


def _interrupt(playbook_name, marker, timeout=600):
    """Start a playbook and send it SIGINT (Ctrl-C) once its output shows `marker`."""
    cmd, env = playbook_command(playbook_name)
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = []
    deadline = time.monotonic() + timeout
    for line in proc.stdout:
        seen.append(line)
        if marker in line:
            proc.send_signal(signal.SIGINT)
            break
        assert time.monotonic() < deadline, "".join(seen[-50:])
    rest, _err = proc.communicate(timeout=120)
    return proc.returncode, "".join(seen) + rest


def test_interrupted_site_is_repaired_by_the_next_run(ledger):
    """Ctrl-C in the middle of provisioning, then (in the run after) in the middle of configure:
    the next site.yml repairs both."""
    for marker in ("TASK [tradeops.aws.monitoring", "Write the env file from Secrets Manager"):
        rc, out = _interrupt("site.yml", marker)
        assert rc != 0, out[-3000:]
        assert current_release() == running_release()
    start = time.monotonic()
    rc, out, _took = playbook("site.yml")
    assert "2 bot(s), 2 healthy" in out
    took = healthy_again(start)
    # That the run after the repair changes nothing is asserted by the cloud restart test's run.
    for where in ("provisioning", "configure"):
        row("site.yml interrupted (SIGINT) in %s" % where, "next site.yml repaired (one run for both)", took,
            ledger, orders())


def test_cloud_container_restart_keeps_the_aws_state(ledger):
    ec2 = aws("ec2")

    def instances():
        return sorted(i["InstanceId"] for r in ec2.describe_instances(
            Filters=[{"Name": "tag:Project", "Values": [PROJECT]},
                     {"Name": "instance-state-name", "Values": ["running"]}])["Reservations"]
            for i in r["Instances"])

    before = instances()
    secret = _secret_value()
    assert before
    start = time.monotonic()
    subprocess.run(["docker", "restart", "tradeops-%s-cloud" % PROJECT], check=True, capture_output=True)
    assert wait_for(lambda: _answers(ec2), 120)
    assert instances() == before and _secret_value() == secret
    took = healthy_again(start, 180)
    rc, out, _took = playbook("site.yml")
    assert set(changed(out).values()) == {0}, out[-4000:]
    assert instances() == before
    row("cloud container restarted", "AWS state kept; site.yml changed=0", took, ledger, orders())


def _answers(ec2):
    try:
        ec2.describe_vpcs()
        return True
    except Exception:  # pylint: disable=broad-except
        return False


def test_faults_table_is_complete(deployed):
    """Every fault above left a row; none lost an order."""
    assert len(FAULTS) >= 14, json.dumps(FAULTS, indent=1)
    assert all(r["lost"] == 0 for r in FAULTS), json.dumps(FAULTS, indent=1)
