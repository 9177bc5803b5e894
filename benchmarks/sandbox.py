#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Figures of the main job on the local sandbox (see benchmarks/README.md).

    python benchmarks/sandbox.py [--skip-four] [--log-dir DIR]

Deployment bench1 (one paper bot, moto on 127.0.0.1:4592):
  site_cold_s           site.yml on a sandbox that does not exist yet (images cached)
  site_rerun_s          site.yml again on the deployed sandbox
  rerun_api_calls       AWS API requests moto received during that re-run (request recorder)
  rerun_mutating_calls  those of them that are not Describe*/List*/Get*/Head*
  health_s              playbooks/health.yml on the deployed sandbox (the yardstick below)
  update_s              update.yml to a new version of the bot
  update_downtime_ms    longest stretch the bot's health endpoint failed during update.yml,
                        polled every 50 ms inside the host
  converge_1_host_s     playbooks/configure.yml on a freshly created host, sandbox warm
Deployment bench4 (four paper bots, moto on 127.0.0.1:4593):
  converge_4_hosts_s    playbooks/configure.yml on four freshly created hosts, sandbox warm

Ratios within the run (the machine's speed cancels out):
  rerun_over_health     site_rerun_s / health_s
  update_over_health    update_s / health_s
  update_gap_s          update_downtime_ms in seconds
  converge4_over_1      converge_4_hosts_s / converge_1_host_s

Each sandbox is removed before (cold start) and after. Prints each figure as it is measured
and ends with one line `figures: name=value ...` holding the ratios first, then the raw figures. Exits non-zero only when a step fails.
Needs a Docker engine and the local/debian-systemd:bookworm image (`make images`).
"""

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3

from moto_recording import action_of  # the recorder reader shared with the tests

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGION = "us-east-1"
ENVIRONMENT = "prod"
PACKAGE = "{{ tradeops_repo_dir }}/examples/paper_bot"
HEALTH = "http://127.0.0.1:8000/healthz"
FIRST_VERSION = "0.1.0"
UPDATE_VERSION = "0.1.1"
# Actions that only read; any other action counts as mutating (REST calls: GET and HEAD read).
READ_ONLY = re.compile(r"^(Describe|List|Get|Head)")
# Sent by the bot hosts on their own (the health metric timer, once a minute), not by the run.
BACKGROUND = {"PutMetricData"}
ORDER = ["site_cold_s", "site_rerun_s", "rerun_api_calls", "rerun_mutating_calls", "health_s",
         "update_s", "update_downtime_ms", "converge_1_host_s", "converge_4_hosts_s"]
RATIOS = [("rerun_over_health", "site_rerun_s", "health_s"), ("update_over_health", "update_s", "health_s"),
          ("update_gap_s", "update_downtime_ms", 1000.0), ("converge4_over_1", "converge_4_hosts_s", "converge_1_host_s")]
POLL_INTERVAL_S = 0.05

# Runs inside the bot host (fed on standard input): see poll_health.py.
POLLER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "poll_health.py")
POLL_STOP = "/run/tradeops-bench-poll.stop"


class StepFailed(Exception):
    """A step of the benchmark did not work; the message says which and why."""


class Deployment:
    """One sandbox deployment of its own: project name, moto port, n paper bots."""

    def __init__(self, project, port, bots, workdir, log_dir):
        self.project = project
        self.port = port
        self.url = "http://127.0.0.1:%d" % port
        self.bots = ["paper%d" % i for i in range(1, bots + 1)]
        self.log_dir = log_dir
        self.runs = 0
        self.vars_file = os.path.join(workdir, project + ".json")
        deployment = {
            "tradeops_project": project,
            "tradeops_environment": ENVIRONMENT,
            "sandbox_moto_port": port,
            "tradeops_bots": [{
                "name": bot,
                "kind": "python",
                "version": FIRST_VERSION,
                "package": PACKAGE,
                "command": "paper-bot",
                "database": True,
                "cache": True,
                "secrets": ["%s/%s/%s-keys" % (project, ENVIRONMENT, bot)],
                "environment": {"SYMBOL": bot.upper(), "TICK_SECONDS": "1", "HEALTH_BIND": "127.0.0.1:8000"},
            } for bot in self.bots],
        }
        with open(self.vars_file, "w", encoding="utf-8") as handle:
            json.dump(deployment, handle, indent=2)

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_"))}
        env.update({
            "TRADEOPS_PROJECT": self.project,
            "TRADEOPS_SANDBOX_AWS_URL": self.url,
            "ANSIBLE_CONFIG": os.path.join(REPO, "ansible.cfg"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "AWS_ACCESS_KEY_ID": "sandbox",
            "AWS_SECRET_ACCESS_KEY": "sandbox",
            "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        })
        return env

    def playbook(self, name, *extra, check=True):
        """Run a playbook of this repository for this deployment; return (output, seconds).
        The whole output goes to a log file; a failed run raises StepFailed with its tail."""
        binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
        if not os.path.exists(binary):
            binary = shutil.which("ansible-playbook") or "ansible-playbook"
        cmd = [binary, name, "-e", "@" + self.vars_file] + list(extra)
        start = time.monotonic()
        proc = subprocess.run(cmd, cwd=REPO, env=self.env(), capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=3600, check=False)
        took = time.monotonic() - start
        output = proc.stdout + proc.stderr
        self.runs += 1
        log = os.path.join(self.log_dir, "%s-%02d-%s.log" % (
            self.project, self.runs, re.sub(r"\W+", "_", os.path.basename(name))))
        with open(log, "w", encoding="utf-8") as handle:
            handle.write("$ %s\n%s" % (" ".join(cmd), output))
        if check and proc.returncode != 0:
            raise StepFailed("%s (%s) failed with rc %d after %.1f s; log %s:\n%s" % (
                name, self.project, proc.returncode, took, log, "\n".join(output.splitlines()[-40:])))
        return output, took

    def down(self):
        self.playbook("playbooks/sandbox_down.yml")

    def host_containers(self):
        proc = docker("ps", "--format", "{{.Names}}", "--filter",
                      "name=^tradeops-%s-i-" % self.project)
        return sorted(proc.stdout.split())

    def running_instances(self):
        ec2 = boto3.client("ec2", endpoint_url=self.url, region_name=REGION,
                           aws_access_key_id="sandbox", aws_secret_access_key="sandbox")
        pages = ec2.get_paginator("describe_instances").paginate(Filters=[
            {"Name": "tag:Project", "Values": [self.project]},
            {"Name": "instance-state-name", "Values": ["running"]}])
        return [i["InstanceId"] for page in pages for r in page["Reservations"] for i in r["Instances"]]

    # moto's request recorder (moto 5.2.5): the server appends every request it receives, except
    # the recorder's own endpoints, to MOTO_RECORDER_FILEPATH while recording is on. The file is
    # only created by reset-recording or by the first recorded request, and download-recording
    # fails while it does not exist: reset first.
    def moto_api(self, path, method="POST"):
        request = urllib.request.Request(self.url + "/moto-api/recorder/" + path, method=method,
                                         data=b"" if method == "POST" else None)
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read().decode("utf-8")

    def start_recording(self):
        self.moto_api("reset-recording")
        self.moto_api("start-recording")

    def stop_recording(self):
        self.moto_api("stop-recording")
        text = self.moto_api("download-recording", method="GET")
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def docker(*args, check=True):
    proc = subprocess.run(["docker"] + list(args), capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise StepFailed("docker %s failed (rc %d): %s" % (" ".join(args), proc.returncode, proc.stderr.strip()))
    return proc


def is_read(action):
    if READ_ONLY.match(action):
        return True
    # REST calls (no action name): a GET or HEAD reads.
    return action.split(" ", 1)[0] in ("GET", "HEAD")


def recap(output):
    """PLAY RECAP counters summed over the hosts: {ok: n, changed: n, failed: n, ...}."""
    total = collections.Counter()
    for line in output.split("PLAY RECAP")[-1].splitlines():
        match = re.match(r"^(\S+)\s+:\s+(.*)$", line.strip())
        if match:
            total.update({k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(2))})
    return total


def healthy_line(output):
    found = re.findall(r"(\d+) bot\(s\), (\d+) healthy", output)
    return (int(found[-1][0]), int(found[-1][1])) if found else (0, 0)


def health_status(container):
    script = ("import urllib.request\n"
              "try:\n print(urllib.request.urlopen(%r, timeout=2).status)\n"
              "except Exception as e:\n print(getattr(e, 'code', 0))\n" % HEALTH)
    out = docker("exec", container, "python3", "-c", script, check=False).stdout.strip()
    return int(out) if out.isdigit() else 0


def wait_healthy(container, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if health_status(container) == 200:
            return
        time.sleep(0.5)
    raise StepFailed("the bot on %s does not answer %s with 200 within %d s" % (container, HEALTH, seconds))


def figure(figures, name, value, note):
    figures[name] = value
    print("%-22s %-10s %s" % (name, value, note), flush=True)


def measure_site(bench, figures):
    bench.down()
    output, took = bench.playbook("site.yml", "-e", "health_fail=true")
    bots, healthy = healthy_line(output)
    figure(figures, "site_cold_s", round(took, 1),
           "site.yml on a new sandbox: changed=%d, %d bot(s), %d healthy" % (recap(output)["changed"], bots, healthy))

    bench.start_recording()
    try:
        output, took = bench.playbook("site.yml", "-e", "health_fail=true")
    finally:
        recorded = bench.stop_recording()
    actions = [action for action, _params in map(action_of, recorded)]
    background = collections.Counter(a for a in actions if a in BACKGROUND)
    mutating = collections.Counter(a for a in actions if not is_read(a) and a not in BACKGROUND)
    figure(figures, "site_rerun_s", round(took, 1),
           "site.yml again: changed=%d, %d bot(s), %d healthy" % ((recap(output)["changed"],) + healthy_line(output)))
    figure(figures, "rerun_api_calls", len(actions),
           "AWS API requests moto received during the re-run (%d distinct actions)" % len(set(actions)))
    figure(figures, "rerun_mutating_calls", sum(mutating.values()),
           "not Describe/List/Get/Head: %s; besides, the hosts' own health metric: %s" % (
               ", ".join("%s x%d" % item for item in sorted(mutating.items())) or "none",
               ", ".join("%s x%d" % item for item in sorted(background.items())) or "none"))
    output, took = bench.playbook("playbooks/health.yml", "-e", "health_fail=true")
    figure(figures, "health_s", round(took, 2), "health.yml: %d bot(s), %d healthy" % healthy_line(output))


def measure_update(bench, figures):
    containers = bench.host_containers()
    if len(containers) != 1:
        raise StepFailed("expected one host container for %s, found %r" % (bench.project, containers))
    host = containers[0]
    wait_healthy(host, 60)
    docker("exec", host, "rm", "-f", POLL_STOP)
    with open(POLLER, encoding="utf-8") as script:
        poller = subprocess.Popen(["docker", "exec", "-i", host, "python3", "-", HEALTH, POLL_STOP,
                                   "900", str(POLL_INTERVAL_S)],
                                  stdin=script, stdout=subprocess.PIPE, text=True)
    time.sleep(1)
    try:
        _output, took = bench.playbook("playbooks/update.yml", "-e", "bot=" + bench.bots[0],
                                       "-e", "version=" + UPDATE_VERSION)
    finally:
        docker("exec", host, "touch", POLL_STOP, check=False)
        raw = poller.stdout.read()
        poller.wait(timeout=60)
    try:
        summary = json.loads(raw)
    except ValueError as exc:
        raise StepFailed("the health poller in %s printed no summary: %r" % (host, raw)) from exc
    figure(figures, "update_s", round(took, 1), "update.yml %s -> %s" % (FIRST_VERSION, UPDATE_VERSION))
    figure(figures, "update_downtime_ms", summary["longest_outage_ms"],
           "update.yml %s -> %s in %.1f s; %d polls, %d failed, total outage %d ms" % (
               FIRST_VERSION, UPDATE_VERSION, took, summary["samples"], summary["failures"],
               summary["total_outage_ms"]))


def measure_converge(bench, figures, name, fresh):
    """Time configure.yml on freshly created host containers of a provisioned sandbox.
    fresh=True: the sandbox exists; remove its host containers and let the sandbox recreate
    them. fresh=False: a new sandbox, provisioned up to the host containers first."""
    if fresh:
        for container in bench.host_containers():
            docker("rm", "-f", container)
    else:
        bench.down()
    # The first steps of site.yml only: sandbox, provisioning and host containers.
    for step in ("sandbox_up.yml", "provision.yml", "sandbox_hosts.yml"):
        bench.playbook(os.path.join("playbooks", step))
    instances = bench.running_instances()
    containers = bench.host_containers()
    if len(instances) != len(bench.bots) or len(containers) != len(bench.bots):
        raise StepFailed("%s: expected %d running instances and host containers, found %r and %r" % (
            bench.project, len(bench.bots), instances, containers))
    output, took = bench.playbook("playbooks/configure.yml")
    _output, _took = bench.playbook("playbooks/health.yml", "-e", "health_fail=true")
    figure(figures, name, round(took, 1), "configure.yml on %d fresh host(s): changed=%d; all healthy after" % (
        len(containers), recap(output)["changed"]))


def ratios(figures):
    """[(name, value)] of RATIOS; "n/a" where a figure is missing."""
    result = []
    for name, numerator, denominator in RATIOS:
        top = figures.get(numerator)
        bottom = figures.get(denominator) if isinstance(denominator, str) else denominator
        ok = all(isinstance(v, (int, float)) for v in (top, bottom)) and bottom
        result.append((name, ("%.2f" % (top / bottom)) if ok else "n/a"))
    return result


def run(args, figures):
    workdir = tempfile.mkdtemp(prefix="tradeops-bench-")
    log_dir = args.log_dir or workdir
    os.makedirs(log_dir, exist_ok=True)
    print("logs of every playbook run: %s" % log_dir)
    print("load average at start: %.2f %.2f %.2f on %d CPU(s)" % (os.getloadavg() + (os.cpu_count(),)), flush=True)
    if docker("info", check=False).returncode != 0:
        raise StepFailed("no Docker engine answers (`make images` starts one)")

    one = Deployment("bench1", 4592, 1, workdir, log_dir)
    try:
        measure_site(one, figures)
        measure_update(one, figures)
        measure_converge(one, figures, "converge_1_host_s", fresh=True)
    finally:
        one.down()

    if args.skip_four:
        figures["converge_4_hosts_s"] = "skipped"
    else:
        four = Deployment("bench4", 4593, 4, workdir, log_dir)
        try:
            measure_converge(four, figures, "converge_4_hosts_s", fresh=False)
        finally:
            four.down()
    print("load average at end: %.2f %.2f %.2f" % os.getloadavg(), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--skip-four", action="store_true", help="skip the four-host converge (bench4)")
    parser.add_argument("--log-dir", help="where to keep each playbook's output (default: a new temporary directory)")
    args = parser.parse_args()
    figures = {}
    status = 0
    try:
        run(args, figures)
    except (StepFailed, subprocess.SubprocessError, OSError) as exc:
        print("FAILED: %s" % exc, file=sys.stderr, flush=True)
        status = 1
    print("figures: " + " ".join("%s=%s" % item for item in ratios(figures))
          + " " + " ".join("%s=%s" % (name, figures.get(name, "failed")) for name in ORDER), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
