# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared by test_provision.py and test_preflight.py: a moto server (the test double for AWS,
run in this process on 127.0.0.1), ansible-playbook runs against it, and moto's request
recorder to tell read calls from mutating ones."""

import json
import logging
import os
import re
import socket
import subprocess
import sys
import time

import boto3
import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# moto's request recorder is read by the same code as the benchmarks' (benchmarks/moto_recording.py).
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from moto_recording import action_of  # noqa: E402  pylint: disable=wrong-import-position,import-error
# The sandbox's moto wrapper makes AWS Backup answer as AWS does (selections, unknown vault), here as there.
sys.path.insert(0, os.path.join(ROOT, "roles", "sandbox", "files"))
from moto_sandbox import patch_backup  # noqa: E402  pylint: disable=wrong-import-position,import-error
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "provision_bbgo.yml")
REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
# Query and JSON protocols name the action; a REST call is "<method> <path>" (action_of): GET and
# HEAD read.
READ_ONLY = re.compile(r"^(Describe|List|Get|Head|Lookup|GET |HEAD )")
RECAP = re.compile(
    r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)"
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Moto:
    """A moto server in this process, with the request recorder writing to a private file."""

    def __init__(self, workdir):
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        from moto import moto_api
        from moto.server import ThreadedMotoServer

        self.recording = os.path.join(str(workdir), "moto-recording.jsonl")
        moto_api.recorder._location = self.recording
        _patch_moto_gaps()
        # One log line per request slows the server down a lot under pytest's log capture.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
        requests.post(self.url + "/moto-api/reset", timeout=30).raise_for_status()

    def stop(self):
        self.server.stop()

    def client(self, service):
        return boto3.client(service, region_name=REGION, endpoint_url=self.url, **CREDENTIALS)

    def start_recording(self):
        requests.post(self.url + "/moto-api/recorder/reset-recording", timeout=30).raise_for_status()
        requests.post(self.url + "/moto-api/recorder/start-recording", timeout=30).raise_for_status()

    def stop_recording(self):
        """Stop recording; return the requests received, in order, as (action, parameters)."""
        requests.post(self.url + "/moto-api/recorder/stop-recording", timeout=30).raise_for_status()
        text = requests.get(self.url + "/moto-api/recorder/download-recording", timeout=30).text
        return [action_of(json.loads(line)) for line in text.splitlines() if line.strip()]


def mutating(recorded):
    """Names of the recorded actions that change something."""
    return [action for action, _params in recorded if not READ_ONLY.match(action)]


def _patch_moto_gaps():
    """moto 5.2.5 gaps (not role problems): AWS Backup's selection calls are missing and an
    unknown vault is not AccessDenied as on AWS (patch_backup); ScheduleKeyDeletion with a key
    ARN (what amazon.aws.kms_key sends) raises KeyError; AWS accepts an ARN. Resolve it to the
    key id."""
    from moto.kms import models

    patch_backup()

    original = models.KmsBackend.schedule_key_deletion
    if getattr(original, "_tradeops_patched", False):
        return

    def schedule_key_deletion(self, key_id, pending_window_in_days):
        return original(self, self.get_key_id(key_id), pending_window_in_days)

    schedule_key_deletion._tradeops_patched = True
    models.KmsBackend.schedule_key_deletion = schedule_key_deletion


class Run:
    def __init__(self, cmd, proc, seconds):
        self.cmd = cmd
        self.rc = proc.returncode
        self.output = proc.stdout + proc.stderr
        self.seconds = seconds
        found = RECAP.findall(self.output)
        self.ok, self.changed, self.unreachable, self.failed = (
            [int(x) for x in found[-1]] if found else [None] * 4
        )

    def __repr__(self):
        return "<Run rc=%s changed=%s failed=%s %.1fs>" % (self.rc, self.changed, self.failed, self.seconds)

    def tail(self, lines=60):
        return "\n".join(self.output.splitlines()[-lines:])


def playbook(moto, name, *extra, fixture=FIXTURE, env=None):
    """ansible-playbook playbooks/<name> against moto with the test deployment."""
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "playbooks/" + name,
           "-i", os.path.join(ROOT, "tests", "fixtures", "inventory.yml")]
    if fixture:
        cmd += ["-e", "@" + fixture]
    cmd += ["-e", "tradeops_aws_endpoint_url=" + moto.url]
    for item in extra:
        cmd += ["-e", item if isinstance(item, str) else json.dumps(item)]
    run_env = {
        k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not k.startswith("ANSIBLE_")
    }
    run_env.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks",
            "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        }
    )
    run_env.update(env or {})
    start = time.monotonic()
    proc = subprocess.run(
        cmd, cwd=ROOT, env=run_env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=1800, check=False
    )
    return Run(cmd, proc, time.monotonic() - start)


def tags(items):
    """AWS tag list -> dict."""
    return {t["Key"]: t["Value"] for t in items or []}
