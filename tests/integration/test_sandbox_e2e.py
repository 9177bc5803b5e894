"""The main job end to end, on the local sandbox.

A fresh sandbox of its own (tests/fixtures/e2e.yml: project itest-e2e, moto on 127.0.0.1:4591)
goes through what a user does: site.yml, site.yml again (changed=0), configure.yml with
`--limit bot_paper` (changed=0), a day-2 run whose inventory finds no host (refused), an
update while the health endpoint is polled every 100 ms, rollback.yml, an update to a broken
release (automatic rollback), a secret rotation, kill -9 of the bot, the health metric read
back from CloudWatch (0 after the bot stops), a restart of the host container, and teardown;
the day-2 playbooks run with `--limit bot_paper`, as the README's cookbook says. Each step asserts on what the host and the AWS API show afterwards.

Figures (wall times, downtime) are printed, not asserted: benchmarks/ reports them.
Needs a Docker engine and the local/debian-systemd:bookworm image (`make images`).
"""

import datetime
import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from sandbox_support import recap, wait_for

boto3 = pytest.importorskip("boto3")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VARS = os.path.join(REPO, "tests", "fixtures", "e2e.yml")
CRASHING = os.path.join(REPO, "tests", "fixtures", "crashing_paper_bot")
PROJECT = "itest-e2e"
MOTO = "http://127.0.0.1:4591"
BOT = "paper"
UNIT = "paper.service"
HEALTH = "http://127.0.0.1:8000/healthz"
SECRET = PROJECT + "/prod/paper-keys"
RESTART_SEC = 5

FIGURES = {}

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


def playbook(name, *extra, check=True, env=None):
    """Run a playbook of this repository with the test deployment; return (rc, output, seconds)."""
    cmd = [shutil.which("ansible-playbook") or "ansible-playbook",
           os.path.join(REPO, name), "-e", "@" + VARS] + list(extra)
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=REPO, env=dict(_env(), **(env or {})), capture_output=True, text=True,
                          check=False)
    took = time.monotonic() - start
    out = proc.stdout + proc.stderr
    if check and proc.returncode != 0:
        pytest.fail("%s failed (rc %d):\n%s" % (name, proc.returncode, out[-6000:]))
    return proc.returncode, out, took


def host_container():
    names = subprocess.run(
        ["docker", "ps", "--format", "{{.Names}}", "--filter", "name=^tradeops-%s-i-" % PROJECT],
        capture_output=True, text=True, check=True).stdout.split()
    assert len(names) == 1, "expected one bot host container, found %r" % names
    return names[0]


def on_host(*cmd, check=True):
    proc = subprocess.run(["docker", "exec", host_container()] + list(cmd),
                          capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        pytest.fail("%s on the host failed (rc %d): %s" % (" ".join(cmd), proc.returncode, proc.stderr))
    return proc.stdout.strip()


def unit_state():
    """(ActiveState, MainPID) of the bot's unit; ("unknown", 0) while systemd does not answer
    (the host is booting)."""
    out = on_host("systemctl", "show", "-p", "ActiveState", "-p", "MainPID", UNIT, check=False)
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


def _down():
    playbook("playbooks/sandbox_down.yml", check=False)


@pytest.fixture(scope="module")
def deployed():
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode != 0:
        pytest.skip("no Docker engine answers (make images starts one)")
    _down()
    rc, out, took = playbook("site.yml")
    FIGURES["site_cold_s"] = round(took, 1)
    yield out
    print("\nFIGURES " + json.dumps(FIGURES, sort_keys=True))
    _down()


def test_site_deploys_a_healthy_bot(deployed):
    assert "1 bot(s), 1 healthy" in deployed
    assert unit_state()[0] == "active"
    assert health_status() == 200
    assert current_release() == "0.1.0"
    # The bot really trades: ticks land in PostgreSQL through credentials from Secrets Manager.
    env = on_host("cat", "/proc/%d/environ" % unit_state()[1]).split("\0")
    assert any(v.startswith("PGPASSWORD=") and len(v) > len("PGPASSWORD=") for v in env)
    assert "REDIS_TLS=1" in env
    mode = on_host("stat", "-c", "%a %U", "/etc/tradeops/%s.env" % BOT)
    assert mode == "600 root"


def test_second_site_run_changes_nothing(deployed):
    rc, out, took = playbook("site.yml")
    FIGURES["site_rerun_s"] = round(took, 1)
    counters = recap(out)
    assert counters, out[-3000:]
    assert {h: c["changed"] for h, c in counters.items()} == {h: 0 for h in counters}, out[-6000:]


def test_configure_with_limit_changes_nothing(deployed):
    """The README's cookbook: configure.yml --limit bot_<name> (localhost is left out)."""
    rc, out, took = playbook("playbooks/configure.yml", "--limit", "bot_" + BOT)
    counters = recap(out)
    assert set(counters) == {BOT}, out[-3000:]
    assert counters[BOT]["changed"] == 0 and counters[BOT]["ok"] > 20, out[-6000:]


def test_day2_playbook_without_hosts_fails_loudly(deployed):
    """An inventory that finds no host of the deployment (another project) is an error."""
    rc, out, took = playbook("playbooks/health.yml", check=False, env={"TRADEOPS_PROJECT": "itest-nohosts"})
    text = " ".join(out.split())
    assert rc != 0, out[-3000:]
    assert "The inventory holds no bot host" in text and "Project=itest-nohosts" in text, out[-3000:]


def test_update_restarts_the_bot_with_a_short_outage(deployed):
    before_pid = unit_state()[1]
    on_host("rm", "-f", POLL_STOP)
    with open(POLLER, encoding="utf-8") as script:
        poller = subprocess.Popen(["docker", "exec", "-i", host_container(), "python3", "-", HEALTH, POLL_STOP],
                                  stdin=script, stdout=subprocess.PIPE, text=True)
    time.sleep(1)
    try:
        rc, out, took = playbook("playbooks/update.yml", "-e", "bot=" + BOT, "-e", "version=0.1.1",
                                 "--limit", "bot_" + BOT)
    finally:
        on_host("touch", POLL_STOP)
        summary = json.loads(poller.stdout.read())
        poller.wait(timeout=30)
    FIGURES["update_s"] = round(took, 1)
    FIGURES["update_downtime_ms"] = summary["longest_outage_ms"]
    FIGURES["update_poll_samples"] = summary["samples"]
    assert current_release() == "0.1.1"
    state, pid = unit_state()
    assert state == "active" and pid != before_pid
    assert health_status() == 200
    assert summary["samples"] > 10


def test_rollback_with_limit_goes_back_one_release(deployed):
    before = current_release()
    rc, out, took = playbook("playbooks/rollback.yml", "-e", "bot=" + BOT, "--limit", "bot_" + BOT)
    FIGURES["rollback_s"] = round(took, 1)
    assert set(recap(out)) == {BOT}, out[-3000:]
    assert before == "0.1.1" and current_release() == "0.1.0"
    assert unit_state()[0] == "active" and health_status() == 200


def test_broken_release_is_rolled_back(deployed):
    before = current_release()
    rc, out, took = playbook("playbooks/update.yml", "-e", "bot=" + BOT, "-e", "version=0.1.2",
                             "-e", "package=" + CRASHING, check=False)
    FIGURES["failed_update_with_rollback_s"] = round(took, 1)
    assert rc != 0
    assert "was rolled back to %s, which is healthy" % before in " ".join(out.split()), out[-4000:]
    assert current_release() == before
    assert wait_for(lambda: health_status() == 200, 30)


def test_rotated_secret_reaches_the_bot(deployed):
    value = "rotated-%d" % time.time_ns()
    before_pid = unit_state()[1]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"PAPER_API_KEY": value}, handle)
    os.chmod(handle.name, 0o600)
    try:
        rc, out, took = playbook("playbooks/rotate_secrets.yml", "-e", "secret=" + SECRET,
                                 "-e", "secret_file=" + handle.name, "--limit", "bot_" + BOT)
    finally:
        os.unlink(handle.name)
    assert value not in out
    stored = aws("secretsmanager").get_secret_value(SecretId=SECRET)["SecretString"]
    assert json.loads(stored) == {"PAPER_API_KEY": value}
    state, pid = unit_state()
    assert state == "active" and pid != before_pid
    assert "PAPER_API_KEY=" + value in on_host("cat", "/proc/%d/environ" % pid).split("\0")
    assert wait_for(lambda: health_status() == 200, 30)


def test_killed_bot_comes_back(deployed):
    state, pid = unit_state()
    assert state == "active"
    on_host("kill", "-9", str(pid))
    assert wait_for(lambda: unit_state()[0] == "active" and unit_state()[1] not in (0, pid), RESTART_SEC + 5)
    assert wait_for(lambda: health_status() == 200, 30)


def health_datapoints(since):
    """[(timestamp, value)] of the bot's TradeOps/BotHealthy datapoints stored since `since`,
    read back from CloudWatch (one per minute-long period: its Minimum)."""
    answer = aws("cloudwatch").get_metric_statistics(
        Namespace="TradeOps", MetricName="BotHealthy", Period=60, Statistics=["Minimum"],
        Dimensions=[{"Name": "Project", "Value": PROJECT}, {"Name": "Environment", "Value": "prod"},
                    {"Name": "Bot", "Value": BOT}],
        StartTime=since, EndTime=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=1))
    return sorted((point["Timestamp"], point["Minimum"]) for point in answer["Datapoints"])


def test_health_metric_follows_the_bot(deployed):
    """The host publishes BotHealthy every minute: 1 while the bot runs, 0 within two minutes
    of stopping it (what the monitoring role's unhealthy alarm watches)."""
    started = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=30)
    healthy = [value for _when, value in health_datapoints(started)]
    assert len(healthy) >= 2 and healthy[-1] == 1.0, healthy
    stopped = datetime.datetime.now(datetime.timezone.utc)
    on_host("systemctl", "stop", UNIT)
    try:
        assert wait_for(lambda: any(value == 0.0 for _when, value in health_datapoints(stopped)), 120), \
            health_datapoints(started)
        FIGURES["health_metric_flip_s"] = round(
            (datetime.datetime.now(datetime.timezone.utc) - stopped).total_seconds(), 1)
    finally:
        on_host("systemctl", "start", UNIT)
    assert wait_for(lambda: health_status() == 200, 30)


def test_bot_survives_a_host_restart(deployed):
    name = host_container()
    subprocess.run(["docker", "restart", name], check=True, capture_output=True)
    assert wait_for(lambda: unit_state()[0] == "active", 120)
    assert wait_for(lambda: health_status() == 200, 60)
    rc, out, took = playbook("playbooks/health.yml", "-e", "health_fail=true", "--limit", "bot_" + BOT)
    assert "1 bot(s), 1 healthy" in out


def test_backup_takes_a_tagged_snapshot(deployed):
    rc, out, took = playbook("playbooks/backup.yml", "-e", "database_snapshot_label=e2e")
    snapshots = aws("rds").describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    ours = [s for s in snapshots if s["DBClusterSnapshotIdentifier"].startswith(PROJECT + "-prod-e2e-")]
    assert len(ours) == 1, snapshots
    tags = {t["Key"]: t["Value"] for t in ours[0].get("TagList", [])}
    assert tags.get("Project") == PROJECT and tags.get("Snapshot") == "e2e"
    assert ours[0]["DBClusterSnapshotIdentifier"] in out


def test_teardown_leaves_nothing_tagged(deployed):
    rc, out, took = playbook("playbooks/teardown.yml", "-e", "confirm_teardown=" + PROJECT)
    FIGURES["teardown_s"] = round(took, 1)
    ec2 = aws("ec2")
    live = [i for r in ec2.describe_instances(
        Filters=[{"Name": "tag:Project", "Values": [PROJECT]}])["Reservations"]
        for i in r["Instances"] if i["State"]["Name"] not in ("terminated", "shutting-down")]
    assert live == []
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Project", "Values": [PROJECT]}])["Vpcs"]
    assert vpcs == []
