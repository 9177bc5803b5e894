# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Publishes one datapoint of a bot's health metric (BotHealthy: 1 healthy, 0 not) to CloudWatch.

Run every minute by tradeops-health-<bot>.timer (tradeops.aws.bot_common, health_metric.yml).
The bot is healthy when its unit is active and, when it has one, its health URL answers with
the expected status: the checks of the bot_health module, from the same code (health.py, the
collection's plugins/module_utils/health.py, installed beside this file). Data services are
not part of it: the database and the cache have alarms of their own.

    publish_health.py --unit paper.service [--url http://127.0.0.1:8000/healthz]
        --namespace TradeOps --metric BotHealthy --dimension Project=tradebot ...
        [--region us-east-1] [--endpoint-url URL]

Credentials come from botocore's usual sources (the instance role on EC2). Prints one line
(the value and, when unhealthy, why) to the journal. Exits 0 once the datapoint is stored,
whatever its value; 1 when it could not be stored (the unit then shows as failed), 2 on bad
arguments.
"""

import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import health  # noqa: E402  (plugins/module_utils/health.py, installed beside this file)


def check(unit, url, timeout):
    """(healthy, problems) of the bot now."""
    problems = []
    proc = subprocess.run(
        ["systemctl", "show", unit, "--property=" + ",".join(health.UNIT_PROPERTIES)],
        capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"), check=False)
    if proc.returncode != 0:
        problems.append("systemctl show %s failed (rc %d): %s" % (unit, proc.returncode,
                                                                  (proc.stderr or proc.stdout).strip()))
    else:
        state = health.unit_state(health.parse_show(proc.stdout), time.monotonic())
        # No restart threshold: systemd restarting the bot is seen as long as it is not active.
        problems.extend(health.unit_problems(unit, state, state, 0, 0))
    if url:
        _obs, found = health.probe_http(url, 200, None, timeout)
        problems.extend(found)
    return not problems, problems


def dimensions(pairs):
    result = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name or not value:
            raise ValueError("--dimension takes NAME=VALUE, got %r" % pair)
        result.append({"Name": name, "Value": value})
    return result


def publish(args, metric_dimensions, value):
    import boto3  # the host's python3-boto3; imported here so that --help works without it

    client = boto3.client("cloudwatch", region_name=args.region or None, endpoint_url=args.endpoint_url or None)
    client.put_metric_data(Namespace=args.namespace, MetricData=[{
        "MetricName": args.metric,
        "Dimensions": metric_dimensions,
        "Value": float(value),
        "Unit": "None",
    }])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--unit", required=True, help="the bot's unit (its timer for a scheduled bot)")
    parser.add_argument("--url", default="", help="the bot's health URL (empty: none)")
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--metric", required=True)
    parser.add_argument("--dimension", action="append", default=[], help="NAME=VALUE (repeat)")
    parser.add_argument("--region", default="")
    parser.add_argument("--endpoint-url", default="")
    parser.add_argument("--timeout", type=int, default=5, help="seconds for the health URL")
    args = parser.parse_args(argv)
    try:
        metric_dimensions = dimensions(args.dimension)
    except ValueError as exc:
        parser.error(str(exc))
    healthy, problems = check(args.unit, args.url, args.timeout)
    try:
        publish(args, metric_dimensions, 1 if healthy else 0)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        print("%s=%d for %s could not be stored: %s" % (args.metric, int(healthy), args.unit, exc), flush=True)
        return 1
    print("%s=%d%s" % (args.metric, int(healthy), "" if healthy else ": " + " ".join(problems)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
