# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""secrets_env end to end: moto server -> ansible-playbook -vvv -> systemd's EnvironmentFile=.

(a) Secrets with awkward values are stored in a moto server on 127.0.0.1 (the stand-in for
    AWS Secrets Manager); tradeops.aws.secrets_env writes the env file from them through
    ansible-playbook with -vvv and --diff, twice. No value may appear in the output, and the
    second run must change nothing.
(b) The file is copied into a container with systemd as PID 1; a transient unit reads it with
    EnvironmentFile= and prints its environment as JSON; every value must come back byte for
    byte. Part (b) is skipped only when no Docker engine answers.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time

import boto3
import pytest
from moto.server import ThreadedMotoServer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
IMAGE = "local/debian-systemd:bookworm"

# Every value carries a unique marker (Q7x<n>Z) so that a leak is found whatever escaping the
# output applies to the rest of the value.
VALUES = {
    "NEWLINES": "Q7x1Z first line\nsecond line\r\nthird\n",
    "SINGLE": "Q7x2Z it's a 'quoted' value''",
    "DOUBLE": 'Q7x3Z say "hello" \\"escaped\\"',
    "DOLLAR": "Q7x4Z $HOME ${PATH} $$ $(id) $",
    "BACKTICK": "Q7x5Z `id` and `uname -a`",
    "BACKSLASH": "Q7x6Z C:\\dir\\ \\n \\\\ ends with \\",
    "LEADING": "   Q7x7Z leading and trailing blanks \t ",
    "HASH": "#Q7x8Z not a comment ; nor this",
    "UNICODE": "Q7x9Z pässwörd ✓ 😀",
    "MIXED": "  'Q7x10Z\"$`\\#\n;",
}
DB = {"username": "Q7x11Z_user", "password": "Q7x12Z p@ss'w\"rd $x `y` \\z #1\n"}
DSN = "%s:%s@tcp(db.example:3306)/bbgo" % (DB["username"], DB["password"])
MARKERS = ["Q7x%dZ" % i for i in range(1, 13)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = "http://127.0.0.1:%d" % port
    client = boto3.client(
        "secretsmanager",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_secret(Name="tradebot/test/tricky", SecretString=json.dumps(VALUES))
    client.create_secret(Name="tradebot/test/db-master", SecretString=json.dumps(DB))
    yield endpoint
    server.stop()


@pytest.fixture(scope="module")
def env_file(moto_endpoint, tmp_path_factory):
    """Run the module twice through ansible-playbook -vvv --diff; return (path, outputs)."""
    tmp = tmp_path_factory.mktemp("secrets_env")
    path = str(tmp / "bot.env")
    playbook = tmp / "play.yml"
    task = {
        "name": "Write the env file",
        "tradeops.aws.secrets_env": {
            "path": path,
            "owner": str(os.getuid()),
            "group": str(os.getgid()),
            "region": "us-east-1",
            "endpoint_url": moto_endpoint,
            "secrets": [
                {"name": "tradebot/test/tricky"},
                {"name": "tradebot/test/db-master", "keys": {"username": "DB_USER", "password": "DB_PASSWORD"}},
            ],
            "compose": {"DB_DSN": "${DB_USER}:${DB_PASSWORD}@tcp(db.example:3306)/bbgo"},
        },
    }
    play = [{"name": "Secrets to env file", "hosts": "localhost", "gather_facts": False, "tasks": [task]}]
    playbook.write_text(json.dumps(play))
    env = dict(os.environ)
    for name in ("AWS_ENDPOINT_URL", "AWS_URL", "AWS_PROFILE"):
        env.pop(name, None)
    env.update(
        ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
    )
    playbook_bin = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    outputs = []
    for _run in range(2):
        proc = subprocess.run(
            [
                playbook_bin,
                "-vvv",
                "--diff",
                "-i",
                "localhost,",
                "-c",
                "local",
                "-e",
                "ansible_python_interpreter=%s" % sys.executable,
                str(playbook),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        outputs.append(proc.stdout + proc.stderr)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return path, outputs


def expected():
    out = dict(VALUES)
    out.update(DB_USER=DB["username"], DB_PASSWORD=DB["password"], DB_DSN=DSN)
    return out


def test_no_value_in_verbose_output(env_file):
    path, outputs = env_file
    for output in outputs:
        assert "secrets_env.py" in output and "module_args" in output
        for marker in MARKERS:
            assert marker not in output
        assert "DB_PASSWORD=<hidden" in output  # the diff names keys
    assert "changed=1" in outputs[0]
    assert "changed=0" in outputs[1]
    assert os.stat(path).st_mode & 0o777 == 0o600


def docker_available():
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


def test_values_round_trip_through_systemd(env_file):
    if not docker_available():
        pytest.skip("no Docker engine answers (docker info failed); the systemd round trip needs one")
    path = env_file[0]
    name = "tradeops-secrets-env-%d" % os.getpid()
    subprocess.run(
        [
            "docker", "run", "-d", "--name", name, "--privileged", "--cgroupns=host",
            "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock",
            "--tmpfs", "/tmp", IMAGE, "/sbin/init",
        ],
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(["docker", "cp", path, "%s:/etc/bot.env" % name], check=True, capture_output=True)
        deadline = time.monotonic() + 60
        while True:
            state = subprocess.run(
                ["docker", "exec", name, "systemctl", "is-system-running"], capture_output=True, text=True, check=False
            ).stdout.strip()
            if state in ("running", "degraded") or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        dump = "import json, os; print(json.dumps(dict(os.environ)))"
        proc = subprocess.run(
            [
                "docker", "exec", name, "systemd-run", "--wait", "--pipe", "--quiet",
                "-p", "EnvironmentFile=/etc/bot.env", "/usr/bin/python3", "-c", dump,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        environ = json.loads(proc.stdout)
        for key, value in expected().items():
            assert environ.get(key) == value, key
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
