#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Timeline of playbooks/provision.yml against a local moto server (the stand-in for AWS).

Prints, for a cold run and a second run: wall time, changed count, the number of AWS API calls
(and how many of them change something), and when each slow resource's creation was issued
relative to the first wait, which shows that the database, cache and hosts are all in flight
before anything is waited for.

    .venv/bin/python benchmarks/provision_timeline.py
"""

import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))

from provision_support import Moto, mutating, playbook  # noqa: E402  pylint: disable=wrong-import-position

SLOW = [
    "Start the Aurora cluster",
    "Start the Aurora writer instance",
    "Ensure the Redis replication group - start",
    "Start the bot hosts",
    "Wait for the Aurora cluster",
    "Wait for the database instance",
    "Ensure the Redis replication group - wait",
    "Wait for the bot hosts to run",
]
# profile_tasks prints, after each TASK header, the time since the start of the run.
TASK = re.compile(r"^TASK \[(?:[\w.]+ : )?(.+?)\] \**\n.*?\)\s+(\d+):(\d+):(\d+\.\d+)", re.M)


def timeline(output):
    out = {}
    for name, hours, minutes, seconds in TASK.findall(output):
        out.setdefault(name, int(hours) * 3600 + int(minutes) * 60 + float(seconds))
    return out


def main():
    moto = Moto(tempfile.mkdtemp(prefix="tradeops-bench-"))
    try:
        key = "instance_private_key_file=%s/bench.pem" % tempfile.mkdtemp(prefix="tradeops-key-")
        for label in ("cold run", "second run"):
            moto.start_recording()
            run = playbook(moto, "provision.yml", key)
            recorded = moto.stop_recording()
            print("%s: %.1f s wall, changed=%s, failed=%s, %d AWS API calls (%d mutating)" % (
                label, run.seconds, run.changed, run.failed, len(recorded), len(mutating(recorded))))
            if label == "cold run":
                marks = timeline(run.output)
                first_wait = min(marks[n] for n in SLOW if n.startswith(("Wait", "Ensure")) and "wait" in n.lower())
                for name in SLOW:
                    if name in marks:
                        print("  %+7.1f s  %s" % (marks[name] - first_wait, name))
                print("  (0.0 = the first wait; every creation is issued before it)")
    finally:
        moto.stop()


if __name__ == "__main__":
    main()
