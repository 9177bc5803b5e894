# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared by the sandbox tests (test_examples.py, test_sandbox_e2e.py): playbook runs against a
sandbox of a deployment file, the PLAY RECAP counters, commands on a bot host's container and
the sandbox's AWS API (moto, the test double for AWS)."""

import os
import re
import shutil
import subprocess
import time

import boto3
import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def recap(output):
    """PLAY RECAP counters per host: {host: {ok: n, changed: n, failed: n, ...}}."""
    result = {}
    for line in output.split("PLAY RECAP")[-1].splitlines():
        match = re.match(r"^(\S+)\s+:\s+(.*)$", line.strip())
        if match:
            result[match.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(2))}
    return result


def changed(output):
    """{host: changed count} of the last PLAY RECAP."""
    return {host: counters["changed"] for host, counters in recap(output).items()}


def need_docker():
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode != 0:
        pytest.skip("no Docker engine answers (make images starts one)")


class Sandbox:
    """The sandbox of one deployment file (examples/deployments/*.yml or a test fixture).

    The sandbox inventory finds its hosts through the record the sandbox role writes when it
    starts (plugins/lookup/deployment.py): no environment variable names the project, as for a
    user who runs `ansible-playbook site.yml -e @<file>`."""

    def __init__(self, vars_file):
        self.vars_file = vars_file
        with open(vars_file) as handle:
            data = yaml.safe_load(handle)
        self.project = data["tradeops_project"]
        self.environment = data.get("tradeops_environment", "prod")
        self.region = data.get("tradeops_region", "us-east-1")
        self.moto = "http://127.0.0.1:%d" % data.get("sandbox_moto_port", 4566)
        self.bots = data["tradeops_bots"]

    def env(self):
        env = dict(os.environ)
        for name in ("TRADEOPS_PROJECT", "TRADEOPS_ENVIRONMENT", "TRADEOPS_REGION", "TRADEOPS_SANDBOX_AWS_URL",
                     "AWS_PROFILE"):
            env.pop(name, None)
        env.update({"ANSIBLE_CONFIG": os.path.join(REPO, "ansible.cfg"), "ANSIBLE_NOCOLOR": "1",
                    "ANSIBLE_FORCE_COLOR": "0"})
        return env

    def playbook(self, name, *extra, check=True):
        """Run a playbook of this repository with the deployment; return (rc, output, seconds)."""
        cmd = [shutil.which("ansible-playbook") or "ansible-playbook", os.path.join(REPO, name),
               "-e", "@" + self.vars_file] + list(extra)
        start = time.monotonic()
        proc = subprocess.run(cmd, cwd=REPO, env=self.env(), capture_output=True, text=True, check=False)
        took = time.monotonic() - start
        out = proc.stdout + proc.stderr
        # TRADEOPS_TEST_LOG_DIR=<dir> keeps every playbook's whole output (a failure shows its end).
        if os.environ.get("TRADEOPS_TEST_LOG_DIR"):
            log = os.path.join(os.environ["TRADEOPS_TEST_LOG_DIR"],
                               "%s-%s-%d.log" % (self.project, os.path.basename(name), start))
            with open(log, "w") as handle:
                handle.write(out)
        if check and proc.returncode != 0:
            pytest.fail("%s failed (rc %d):\n%s" % (name, proc.returncode, out[-6000:]))
        return proc.returncode, out, took

    def down(self):
        self.playbook("playbooks/sandbox_down.yml", check=False)

    def host(self):
        """Name of the (one) bot host container of the deployment."""
        names = subprocess.run(
            ["docker", "ps", "--format", "{{.Names}}", "--filter", "name=^tradeops-%s-i-" % self.project],
            capture_output=True, text=True, check=True).stdout.split()
        assert len(names) == 1, names
        return names[0]

    def on_host(self, *cmd, check=True):
        proc = subprocess.run(["docker", "exec", self.host()] + list(cmd), capture_output=True, text=True,
                              check=False)
        if check and proc.returncode != 0:
            pytest.fail("%s on the host failed (rc %d): %s" % (" ".join(cmd), proc.returncode, proc.stderr))
        return proc.stdout.strip()

    def unit(self, unit, *props):
        """{property: value} of `systemctl show` for the unit on the host."""
        args = []
        for prop in props:
            args += ["-p", prop]
        out = self.on_host("systemctl", "show", "--timestamp=utc", unit, *args, check=False)
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def aws(self, service):
        return boto3.client(service, endpoint_url=self.moto, region_name=self.region,
                            aws_access_key_id="sandbox", aws_secret_access_key="sandbox")

    def tagged(self):
        """ARNs of every resource still tagged with the project (the tagging API)."""
        pages = self.aws("resourcegroupstaggingapi").get_paginator("get_resources").paginate(
            TagFilters=[{"Key": "Project", "Values": [self.project]}])
        return [r["ResourceARN"] for page in pages for r in page["ResourceTagMappingList"]]


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return predicate()
