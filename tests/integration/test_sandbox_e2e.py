"""The main job end to end, on the local sandbox.

A fresh sandbox of its own (tests/fixtures/e2e.yml, e2e_support.py) goes through what a user
does: site.yml, site.yml again (changed=0), configure.yml with `--limit bot_paper` (changed=0),
a day-2 run whose inventory finds no host (refused), an update while the health endpoint is
polled every 100 ms, rollback.yml, a secret rotation, a request from inside the bot's unit to
a stand-in metadata service (refused), the generated credentials' rotation, the health metric
read back from CloudWatch (0 after the bot stops) and a backup; the day-2 playbooks run with
`--limit bot_paper`, as the README's cookbook says. Each step asserts on what the host and the
AWS API show afterwards. The same sandbox then takes the fault suite (test_sandbox_faults.py)
and is torn down (test_sandbox_teardown.py).

Figures (wall times, downtime) are printed, not asserted: benchmarks/ reports them.
Needs a Docker engine and the local/debian-systemd:bookworm image (`make images`).
"""

import datetime
import json
import os
import subprocess
import tempfile
import time

import pytest

from e2e_support import (ADMIN_DATABASE, BOT, DB_SECRET, FIGURES, HEALTH, OTHER_BOT, POLL_STOP, POLLER, PROJECT, SECRET,
                         UNIT, aws, cloud, current_release, health_status, host_container, on_host, orders, playbook,
                         unit_state)
from sandbox_support import recap, wait_for


def test_site_deploys_a_healthy_bot(deployed):
    assert "2 bot(s), 2 healthy" in deployed
    assert unit_state()[0] == "active" and unit_state(OTHER_BOT)[0] == "active"
    assert health_status() == 200
    assert current_release() == "0.1.0"
    # The bot really trades: ticks land in PostgreSQL through credentials from Secrets Manager,
    # its own database user's, over TLS verified against the CA bundle host_base installed.
    env = on_host("cat", "/proc/%d/environ" % unit_state()[1]).split("\0")
    assert any(v.startswith("PGPASSWORD=") and len(v) > len("PGPASSWORD=") for v in env)
    assert {"PGUSER=bot_paper", "PGDATABASE=bot_paper", "PGSSLMODE=verify-full",
            "PGSSLROOTCERT=/etc/ssl/tradeops/database-ca.pem", "REDIS_TLS=1"} <= set(env)
    mode = on_host("stat", "-c", "%a %U", "/etc/tradeops/%s.env" % BOT)
    assert mode == "600 root"


# Run on a bot's host as root: connection attempts with the bot's own credential, read from the
# running bot's environment (never argv), each {"ok", "row" or "error"}.
_CONNECT = r"""
import json, sys
import psycopg2
env = dict(v.split("=", 1) for v in open("/proc/%s/environ" % sys.argv[1]).read().split("\0") if "=" in v)
out = {}
for name, extra in json.loads(sys.argv[2]).items():
    try:
        conn = psycopg2.connect(host=env["PGHOST"], port=env["PGPORT"], user=env["PGUSER"],
                                password=env["PGPASSWORD"], connect_timeout=10, **extra)
        cur = conn.cursor()
        cur.execute("SELECT current_user, current_database(), ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        out[name] = {"ok": True, "row": list(cur.fetchone())}
        conn.close()
    except psycopg2.Error as exc:
        out[name] = {"ok": False, "error": str(exc).strip()}
print(json.dumps(out))
"""


def test_each_bot_logs_in_as_its_own_user_over_verified_tls(deployed):
    """Each bot has its own database user and database; it cannot reach the other bot's nor the
    administration database, is not the master, and the server refuses plaintext."""
    ca = "/etc/ssl/tradeops/database-ca.pem"
    # a public CA the sandbox's certificate does not chain to: verify-full must refuse it
    other_ca = on_host("sh", "-c", "ls /usr/share/ca-certificates/mozilla/*.crt | head -n 1")
    cases = {
        "own": {"dbname": "bot_paper", "sslmode": "verify-full", "sslrootcert": ca},
        "other_bot": {"dbname": "bot_" + OTHER_BOT, "sslmode": "verify-full", "sslrootcert": ca},
        "admin": {"dbname": ADMIN_DATABASE, "sslmode": "verify-full", "sslrootcert": ca},
        "plaintext": {"dbname": "bot_paper", "sslmode": "disable"},
        "wrong_ca": {"dbname": "bot_paper", "sslmode": "verify-full", "sslrootcert": other_ca},
    }
    found = json.loads(on_host("python3", "-c", _CONNECT, str(unit_state()[1]), json.dumps(cases)))
    assert found["own"] == {"ok": True, "row": ["bot_paper", "bot_paper", True]}, found
    assert "permission denied for database" in found["other_bot"].get("error", ""), found
    assert "permission denied for database" in found["admin"].get("error", ""), found
    assert "no encryption" in found["plaintext"].get("error", ""), found
    assert "certificate verify failed" in found["wrong_ca"].get("error", ""), found
    # read back from the server: two bot users, neither a superuser nor able to make roles or
    # databases, each owning its database and connected to it over TLS
    master = json.loads(aws("secretsmanager").get_secret_value(SecretId=DB_SECRET)["SecretString"])["username"]
    roles = cloud("runuser", "-u", "postgres", "--", "psql", "-tAF", ",", "-c",
                  "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname LIKE 'bot\\_%'"
                  " ORDER BY 1")
    assert roles.splitlines() == ["bot_hedge,f,f,f", "bot_paper,f,f,f"] and master not in roles
    owners = cloud("runuser", "-u", "postgres", "--", "psql", "-tAF", ",", "-c",
                   "SELECT datname, pg_get_userbyid(datdba) FROM pg_database WHERE datname LIKE 'bot\\_%' ORDER BY 1")
    assert owners.splitlines() == ["bot_hedge,bot_hedge", "bot_paper,bot_paper"]
    sessions = cloud("runuser", "-u", "postgres", "--", "psql", "-tAF", ",", "-c",
                     "SELECT DISTINCT a.usename, a.datname, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s"
                     " USING (pid) WHERE a.usename LIKE 'bot\\_%' ORDER BY 1")
    assert sessions.splitlines() == ["bot_hedge,bot_hedge,t", "bot_paper,bot_paper,t"]
    # neither host's role may read the master credential (the controller alone uses it)
    iam = aws("iam")
    for bot in (BOT, OTHER_BOT):
        name = "%s-prod-%s" % (PROJECT, bot)
        assert DB_SECRET not in json.dumps(iam.get_role_policy(RoleName=name, PolicyName=name)["PolicyDocument"])


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
    rc, out, took = playbook("playbooks/health.yml", "-e", "tradeops_project=itest-nohosts", check=False)
    text = " ".join(out.split())
    assert rc != 0, out[-3000:]
    assert "The inventory holds no bot host" in text and "Project=itest-nohosts" in text, out[-3000:]


def test_update_restarts_the_bot_with_a_short_outage(deployed):
    before_pid = unit_state()[1]
    stop = _poll_health()
    try:
        rc, out, took = playbook("playbooks/update.yml", "-e", "bot=" + BOT, "-e", "version=0.1.1",
                                 "--limit", "bot_" + BOT)
    finally:
        summary = stop()
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


IMDS_DOUBLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "imds_double.py")


def _imds(*args):
    with open(IMDS_DOUBLE, encoding="utf-8") as script:
        proc = subprocess.run(["docker", "exec", "-i", host_container(), "python3", "-"] + list(args),
                              stdin=script, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_bot_cannot_reach_the_instance_metadata_service(deployed):
    """The bot's unit denies 169.254.169.254: with a stand-in metadata service on the host, a
    process outside the unit reaches it, the same request from inside the unit's cgroup does not."""
    _imds("up")
    try:
        assert wait_for(lambda: _imds("probe").startswith("reached 200"), 10)
        cgroup = [line[3:] for line in on_host("cat", "/proc/%d/cgroup" % unit_state()[1]).splitlines()
                  if line.startswith("0::")][0]
        assert cgroup.endswith("/" + UNIT), cgroup
        assert _imds("probe", cgroup).startswith("blocked"), "the bot's unit reached the metadata service"
    finally:
        _imds("down")
    assert "169.254.169.254/32" in on_host("systemctl", "show", "--value", "-p", "IPAddressDeny", UNIT).split()


def _poll_health():
    """Start polling the bot's health endpoint every 100 ms on its host; returns a stop function
    that gives the poller's summary (samples, longest_outage_ms)."""
    on_host("rm", "-f", POLL_STOP)
    with open(POLLER, encoding="utf-8") as script:
        poller = subprocess.Popen(["docker", "exec", "-i", host_container(), "python3", "-", HEALTH, POLL_STOP],
                                  stdin=script, stdout=subprocess.PIPE, text=True)
    time.sleep(1)

    def stop():
        on_host("touch", POLL_STOP)
        summary = json.loads(poller.stdout.read())
        poller.wait(timeout=30)
        return summary
    return stop


def _accepted(kind, value):
    """Whether the sandbox's PostgreSQL (master user) or Redis (AUTH) accepts this value, asked
    in the cloud container with the value in the environment, never in argv."""
    if kind in ("db-master", BOT + "/db"):
        name = "%s/prod/%s" % (PROJECT, kind)
        user = json.loads(aws("secretsmanager").get_secret_value(SecretId=name)["SecretString"])["username"]
        database = ADMIN_DATABASE if kind == "db-master" else "bot_" + BOT
        proc = subprocess.run(["docker", "exec", "-e", "PGPASSWORD", "tradeops-%s-cloud" % PROJECT, "psql",
                               "-h", "localhost", "-U", user, "-d", database, "-tAc", "SELECT 1"],
                              env=dict(os.environ, PGPASSWORD=value), capture_output=True, text=True, check=False)
        return proc.returncode == 0 and proc.stdout.strip() == "1"
    proc = subprocess.run(["docker", "exec", "-e", "REDISCLI_AUTH", "tradeops-%s-cloud" % PROJECT, "redis-cli",
                           "--tls", "--cacert", "/etc/tradeops-sandbox/tls/ca.crt", "-h", "localhost", "PING"],
                          env=dict(os.environ, REDISCLI_AUTH=value), capture_output=True, text=True, check=False)
    return proc.stdout.strip() == "PONG"


@pytest.mark.parametrize("kind,key", [("db-master", "password"), ("redis-auth", "auth_token"),
                                      (BOT + "/db", "password")])
def test_generated_credential_rotates(deployed, kind, key):
    """rotate_secrets.yml gives the DB master password, the Redis AUTH token and the paper bot's
    own database password a new value: the service takes it, the secret holds it, and the old
    value is refused; the bot restarts with a new AUTH token or password of its own, and keeps
    running untouched through a master password change (it logs in as its own user), trading
    throughout; the other bot restarts for none of them."""
    name = "%s/prod/%s" % (PROJECT, kind)
    old = json.loads(aws("secretsmanager").get_secret_value(SecretId=name)["SecretString"])[key]
    before_pid, before_orders, other_pid = unit_state()[1], orders(), unit_state(OTHER_BOT)[1]
    assert _accepted(kind, old)
    stop = _poll_health()
    try:
        rc, out, took = playbook("playbooks/rotate_secrets.yml", "-e", "secret=" + name, "--limit", "bot_" + BOT)
    finally:
        summary = stop()
    FIGURES["rotate_%s_s" % kind] = round(took, 1)
    FIGURES["rotate_%s_downtime_ms" % kind] = summary["longest_outage_ms"]
    new = json.loads(aws("secretsmanager").get_secret_value(SecretId=name)["SecretString"])[key]
    assert new != old and old not in out and new not in out
    assert _accepted(kind, new) and not _accepted(kind, old)
    state, pid = unit_state()
    if kind == "db-master":
        # no bot logs in as the master: none restarts, and they keep trading with their own users
        assert state == "active" and pid == before_pid
    else:
        assert state == "active" and pid != before_pid
        variable = "REDIS_PASSWORD=" if kind == "redis-auth" else "PGPASSWORD="
        assert variable + new in on_host("cat", "/proc/%d/environ" % pid).split("\0")
    # the other bot reads neither the AUTH token nor the paper bot's credential: not restarted
    assert unit_state(OTHER_BOT)[1] == other_pid
    assert wait_for(lambda: health_status() == 200 and orders() > before_orders, 30)


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


def test_backup_takes_a_tagged_snapshot(deployed):
    rc, out, took = playbook("playbooks/backup.yml", "-e", "database_snapshot_label=e2e")
    snapshots = aws("rds").describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    ours = [s for s in snapshots if s["DBClusterSnapshotIdentifier"].startswith(PROJECT + "-prod-e2e-")]
    assert len(ours) == 1, snapshots
    tags = {t["Key"]: t["Value"] for t in ours[0].get("TagList", [])}
    assert tags.get("Project") == PROJECT and tags.get("Snapshot") == "e2e"
    assert ours[0]["DBClusterSnapshotIdentifier"] in out
