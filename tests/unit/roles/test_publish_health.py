"""roles/bot_common/files/publish_health.py: the health metric publisher the bot hosts run."""

import datetime
import http.server
import importlib.util
import os
import subprocess
import sys
import threading

import boto3
import pytest
from moto import mock_aws

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
# On the host health.py lies beside the script; here it is the collection's module_utils file.
sys.path.insert(0, os.path.join(REPO, "plugins", "module_utils"))
_SPEC = importlib.util.spec_from_file_location(
    "publish_health", os.path.join(REPO, "roles", "bot_common", "files", "publish_health.py"))
publish_health = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(publish_health)

ACTIVE = "LoadState=loaded\nActiveState=active\nSubState=running\nResult=success\nNRestarts=0\n"
FAILED = "LoadState=loaded\nActiveState=failed\nSubState=failed\nResult=exit-code\nNRestarts=4\n"
ARGS = ["--unit", "paper.service", "--namespace", "TradeOps", "--metric", "BotHealthy",
        "--dimension", "Project=p", "--dimension", "Environment=prod", "--dimension", "Bot=paper",
        "--region", "us-east-1"]


def fake_systemctl(monkeypatch, out, rc=0):
    def run(argv, **_kwargs):
        assert argv[:3] == ["systemctl", "show", "paper.service"]
        return subprocess.CompletedProcess(argv, rc, out, "no such unit" if rc else "")
    monkeypatch.setattr(publish_health.subprocess, "run", run)


@pytest.fixture(name="web")
def web_fixture():
    """A health endpoint on loopback: /ok answers 200, anything else 503."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200 if self.path == "/ok" else 503)
            self.end_headers()

        def log_message(self, *_args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d" % server.server_port
    server.shutdown()


def test_dimensions_are_name_value_pairs():
    assert publish_health.dimensions(["Bot=paper", "Project=a=b"]) == [
        {"Name": "Bot", "Value": "paper"}, {"Name": "Project", "Value": "a=b"}]
    for bad in ("Bot", "=x", "Bot="):
        with pytest.raises(ValueError, match="NAME=VALUE"):
            publish_health.dimensions([bad])


def test_active_unit_and_answering_url_is_healthy(monkeypatch, web):
    fake_systemctl(monkeypatch, ACTIVE)
    assert publish_health.check("paper.service", web + "/ok", 2) == (True, [])


def test_failed_unit_or_bad_url_is_unhealthy(monkeypatch, web):
    fake_systemctl(monkeypatch, FAILED)
    healthy, problems = publish_health.check("paper.service", "", 2)
    assert not healthy and "paper.service has failed" in problems[0]
    fake_systemctl(monkeypatch, ACTIVE)
    healthy, problems = publish_health.check("paper.service", web + "/down", 2)
    assert not healthy and "answered HTTP 503" in problems[0]
    fake_systemctl(monkeypatch, "", rc=4)
    healthy, problems = publish_health.check("paper.service", "", 2)
    assert not healthy and "systemctl show paper.service failed (rc 4)" in problems[0]


def test_restarts_alone_do_not_count(monkeypatch):
    fake_systemctl(monkeypatch, ACTIVE.replace("NRestarts=0", "NRestarts=9"))
    assert publish_health.check("paper.service", "", 2) == (True, [])


@mock_aws
def test_main_stores_the_value_in_cloudwatch(monkeypatch, capsys):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    fake_systemctl(monkeypatch, FAILED)
    assert publish_health.main(ARGS) == 0
    assert capsys.readouterr().out.startswith("BotHealthy=0: paper.service has failed")
    fake_systemctl(monkeypatch, ACTIVE)
    assert publish_health.main(ARGS) == 0
    assert capsys.readouterr().out == "BotHealthy=1\n"
    now = datetime.datetime.now(datetime.timezone.utc)
    points = boto3.client("cloudwatch", region_name="us-east-1").get_metric_statistics(
        Namespace="TradeOps", MetricName="BotHealthy", Period=60, Statistics=["Minimum", "Maximum", "SampleCount"],
        Dimensions=[{"Name": "Project", "Value": "p"}, {"Name": "Environment", "Value": "prod"},
                    {"Name": "Bot", "Value": "paper"}],
        StartTime=now - datetime.timedelta(minutes=5), EndTime=now + datetime.timedelta(minutes=1))["Datapoints"]
    assert sum(p["SampleCount"] for p in points) == 2
    assert min(p["Minimum"] for p in points) == 0.0 and max(p["Maximum"] for p in points) == 1.0


def test_main_fails_when_the_datapoint_cannot_be_stored(monkeypatch, capsys):
    fake_systemctl(monkeypatch, ACTIVE)

    def refuse(_args, _dimensions, _value):
        raise RuntimeError("AccessDenied")
    monkeypatch.setattr(publish_health, "publish", refuse)
    assert publish_health.main(ARGS) == 1
    assert "could not be stored: AccessDenied" in capsys.readouterr().out


def test_bad_dimension_is_a_usage_error():
    with pytest.raises(SystemExit) as exit_info:
        publish_health.main(ARGS + ["--dimension", "oops"])
    assert exit_info.value.code == 2
