# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tradeops.aws.bot_model: defaults applied, problems in the failure, the calendar checker
(systemd-analyze through run_command, or the built-in parser)."""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tradeops.aws.plugins.modules import bot_model

PAPER = {"name": "paper", "kind": "python", "version": "0.1.0", "package": "paper-bot", "command": "paper-bot",
         "schedule": "Mon..Fri 09:00 Asia/Seoul"}


def no_systemd(monkeypatch):
    monkeypatch.setattr(AnsibleModule, "get_bin_path", lambda self, name, *a, **k: None)


def fake_systemd(monkeypatch, rc=0, err=""):
    calls = []

    def run_command(self, args, **kwargs):
        calls.append(args)
        return rc, "", err

    monkeypatch.setattr(AnsibleModule, "get_bin_path", lambda self, name, *a, **k: "/usr/bin/" + name)
    monkeypatch.setattr(AnsibleModule, "run_command", run_command)
    return calls


def test_valid_bots_come_back_with_defaults(run_module, monkeypatch):
    no_systemd(monkeypatch)
    result, failed = run_module(bot_model.main, {"bots": [PAPER]}, check_mode=True)
    assert not failed and result["changed"] is False
    assert result["calendar_checker"] == "builtin parser"
    assert result["bots"][0]["dashboard"] == {} and result["bots"][0]["secrets"] == []


def test_problems_fail_without_echoing_the_bots(run_module, monkeypatch):
    no_systemd(monkeypatch)
    bot = dict(PAPER, pakage="x", config={"api_secret": "do-not-print"}, environment={"API_TOKEN": "do-not-print"})
    result, failed = run_module(bot_model.main, {"bots": [bot, dict(PAPER)]})
    assert failed
    assert result["msg"].startswith("tradeops_bots: 4 problem(s): tradeops_bots 'paper': unknown field 'pakage'; "
                                    "did you mean 'package'?; ")
    assert len(result["problems"]) == 4 and "do-not-print" not in result["msg"]
    assert "duplicate name 'paper'" in result["msg"] and "'config' is not a field of a python bot" in result["msg"]


def test_schedules_are_checked_with_systemd_analyze(run_module, monkeypatch):
    calls = fake_systemd(monkeypatch)
    result, failed = run_module(bot_model.main, {"bots": [PAPER]})
    assert not failed and result["calendar_checker"] == "systemd-analyze"
    assert calls == [["/usr/bin/systemd-analyze", "calendar", "--", "Mon..Fri 09:00 Asia/Seoul"]]


def test_systemd_analyze_refusal_is_the_problem(run_module, monkeypatch):
    fake_systemd(monkeypatch, rc=1, err="Failed to parse calendar specification 'x': Invalid argument\nHint: ...\n")
    result, failed = run_module(bot_model.main, {"bots": [dict(PAPER, schedule="x")]})
    assert failed and result["problems"] == [
        "tradeops_bots 'paper': schedule 'x' is not a systemd calendar expression (systemd-analyze: Failed to parse "
        "calendar specification 'x': Invalid argument): write e.g. 'Mon..Fri 09:00 Asia/Seoul' or 'daily' "
        "(see systemd.time(7))"]
    fake_systemd(monkeypatch, rc=2)
    result, failed = run_module(bot_model.main, {"bots": [dict(PAPER, schedule="x")]})
    assert "(systemd-analyze: rc 2)" in result["problems"][0]


def test_names_too_long(run_module, monkeypatch):
    no_systemd(monkeypatch)
    names = {"ElastiCache replication group id": {"value": "x" * 41, "limit": 40},
             "KMS alias": {"value": "alias/x", "limit": 256}}
    result, failed = run_module(bot_model.main, {"bots": [PAPER], "names": names})
    assert failed and result["problems"] == [
        "tradeops_project + tradeops_environment make the ElastiCache replication group id '%s' 41 characters; "
        "AWS allows 40: shorten tradeops_project or tradeops_environment" % ("x" * 41)]


def test_names_malformed(run_module, monkeypatch):
    no_systemd(monkeypatch)
    result, failed = run_module(bot_model.main, {"bots": [PAPER], "names": {"KMS alias": {"value": "a"}}})
    assert failed and result["problems"][0].startswith("names: each entry must be {value: <name>, limit: <number>}")


def test_bots_that_are_not_a_list(run_module, monkeypatch):
    no_systemd(monkeypatch)
    result, failed = run_module(bot_model.main, {"bots": "paper,xmaker"})
    assert failed and result["problems"] == [
        "tradeops_bots must be a list of bots (mappings such as {name: xmaker, kind: bbgo, ...}), got str"]
