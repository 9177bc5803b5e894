# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bot schema: one case per check of validate_bots(), the fallback calendar parser (and,
where this machine has systemd-analyze, that it agrees with systemd), the defaults."""

import shutil
import subprocess

import pytest

from ansible_collections.tradeops.aws.plugins.module_utils import bot_model

SHA = "0123456789abcdef" * 4
BBGO = {"name": "xmaker", "kind": "bbgo", "version": "v1.62.0", "sha256": SHA,
        "config": {"sessions": {}}, "secrets": ["tradebot/prod/binance"]}
PY = {"name": "kis-breakout", "kind": "python", "version": "3.0.0",
      "package": "git+https://example.org/me/bot.git@v3", "command": "daily_breakout --mode demo",
      "schedule": "Mon..Fri 09:00 Asia/Seoul", "dashboard": {"command": "flask_app", "port": 5001},
      "environment": {"SYMBOL": "069500", "TICK_SECONDS": 1}, "secrets": [{"name": "tradebot/prod/kis",
                                                                          "prefix": "KIS_"}]}


def bbgo(**fields):
    return dict(BBGO, **fields)


def py(**fields):
    return dict(PY, **fields)


def without(bot, field):
    return {k: v for k, v in bot.items() if k != field}


# id: (tradeops_bots, texts that one problem must all contain)
CASES = {
    "not-a-list": ("xmaker", ["tradeops_bots must be a list"]),
    "item-not-a-mapping": ([BBGO, "kis"], ["tradeops_bots[1] must be a mapping"]),
    "unknown-field-suggested": ([bbgo(pakage="x")], ["'xmaker'", "unknown field 'pakage'", "did you mean 'package'?"]),
    "unknown-field-listed": ([bbgo(colour="red")], ["unknown field 'colour' (fields: name, kind"]),
    "field-of-other-kind": ([bbgo(schedule="daily")], ["'schedule' is not a field of a bbgo bot (fields of bbgo:"]),
    "missing-name": ([without(PY, "name")], ["tradeops_bots[0]", "missing field 'name'"]),
    "missing-kind": ([without(PY, "kind")], ["'kis-breakout'", "missing field 'kind' (required for every bot)"]),
    "missing-version": ([without(BBGO, "version")], ["missing field 'version' (required for a bbgo bot)"]),
    "empty-version": ([bbgo(version="")], ["missing field 'version'"]),
    "missing-package": ([without(PY, "package")], ["missing field 'package' (required for a python bot)"]),
    "missing-command": ([without(PY, "command")], ["missing field 'command'"]),
    "type-str": ([py(version=1.0)], ["'version' must be a string, got float 1.0; quote it in YAML"]),
    "type-bool": ([bbgo(paper="yes")], ["'paper' must be true or false, got str"]),
    "type-int": ([bbgo(webserver_port="80a")], ["'webserver_port' must be an integer"]),
    "type-dict": ([py(environment=["SYMBOL=X"])], ["'environment' must be a mapping, got list"]),
    "type-list": ([bbgo(secrets="tradebot/prod/binance")], ["'secrets' must be a list, got str"]),
    "name-not-dns-safe": ([bbgo(name="X_Maker")], ["name 'X_Maker' is not DNS-safe"]),
    "name-double-dash": ([bbgo(name="x--maker")], ["is not DNS-safe", "no '--'"]),
    "name-trailing-dash": ([bbgo(name="xmaker-")], ["is not DNS-safe"]),
    "name-too-long": ([bbgo(name="a" * 33)], ["is 33 characters", "Linux user name", "useradd limits to 32"]),
    "duplicate-names": ([BBGO, py(name="xmaker")], ["duplicate name 'xmaker' (bots 0 and 1)"]),
    "unknown-kind": ([bbgo(kind="rust")], ["kind must be one of bbgo, python (got 'rust')"]),
    "version-not-plain": ([bbgo(version="v1.62.0/../../etc")], ["version 'v1.62.0/../../etc' is not a plain release name"]),
    "version-leading-dot": ([py(version=".1")], ["is not a plain release name"]),
    "schedule-invalid": ([py(schedule="Mon..Fri 25:00")], ["schedule 'Mon..Fri 25:00' is not a systemd calendar"]),
    "schedule-unknown-time-zone": ([py(schedule="Mon..Fri 09:00 Asia/Seul")],
                                   ["unknown time zone 'Asia/Seul'", "did you mean 'Asia/Seoul'?"]),
    "sha256-not-hex": ([bbgo(sha256="z" * 64)], ["sha256 must be exactly 64 hex digits"]),
    "sha256-too-short": ([bbgo(sha256="abc")], ["sha256 must be exactly 64 hex digits", "got 3 characters"]),
    "bbgo-without-sha256-or-artifact": ([without(BBGO, "sha256")], ["a bbgo bot needs sha256", "or artifact"]),
    "artifact-url-without-sha256": ([bbgo(sha256="", artifact_url="https://mirror.example/bbgo.tar.gz")],
                                    ["artifact_url needs sha256"]),
    "dashboard-no-command": ([py(dashboard={"port": 5001})], ["dashboard needs a command"]),
    "dashboard-port-low": ([py(dashboard={"command": "flask_app", "port": 80})],
                           ["dashboard port must be an integer 1024-65535, got 80"]),
    "dashboard-unknown-key": ([py(dashboard={"command": "flask_app", "prot": 5001})],
                              ["dashboard has an unknown key 'prot'; did you mean 'port'?"]),
    "environment-password": ([py(environment={"DB_PASSWORD": "x"})],
                             ["'DB_PASSWORD'", "belongs in Secrets Manager: put it in a secret and list it under secrets"]),
    "environment-token": ([py(environment={"tg_token": "x"})], ["'tg_token'", "belongs in Secrets Manager"]),
    "environment-api-key": ([py(environment={"BINANCE_API_KEY": "x"})], ["belongs in Secrets Manager"]),
    "environment-secret": ([bbgo(environment={"API_SECRET_FILE": "x"})], ["belongs in Secrets Manager"]),
    "environment-bad-name": ([py(environment={"2FAST": "x"})], ["environment variable name '2FAST' is not valid"]),
    "environment-not-scalar": ([py(environment={"SYMBOLS": ["A", "B"]})], ["'SYMBOLS' must be a plain value"]),
    "environment-nul": ([py(environment={"SYMBOL": "a\0b"})], ["'SYMBOL' contains a NUL character"]),
    "secret-bad-name": ([bbgo(secrets=["my secret!"])], ["secrets[0] 'my secret!' is not a valid Secrets Manager name",
                                                         "tradeops_bots[].secrets"]),
    "secret-not-str-or-mapping": ([bbgo(secrets=[42])], ["secrets[0] 42 is neither", "tradeops_bots[].secrets"]),
    "secret-mapping-without-name": ([bbgo(secrets=[{"prefix": "BINANCE_"}])], ["has no valid name"]),
    "secret-mapping-unknown-key": ([bbgo(secrets=[{"name": "a/b", "prefx": "X_"}])],
                                   ["unknown key 'prefx'; did you mean 'prefix'?", "tradeops_bots[].secrets"]),
    "secret-mapping-prefix-not-str": ([bbgo(secrets=[{"name": "a/b", "prefix": 1}])], ["prefix that is not a string"]),
    "secret-mapping-keys-not-mapping": ([bbgo(secrets=[{"name": "a/b", "keys": ["api_key"]}])],
                                        ["keys that are not a mapping"]),
    "secret-mapping-variable-and-keys": ([bbgo(secrets=[{"name": "a/b", "variable": "K", "keys": {"k": "K"}}])],
                                         ["variable together with keys or prefix"]),
    "webserver-port-out-of-range": ([bbgo(webserver_port=70000)], ["webserver_port must be an integer 1024-65535"]),
    "config-not-yaml": ([bbgo(config=["sessions"])], ["config must be the bbgo.yaml as a mapping or a YAML string"]),
    "instance-type-not-str": ([bbgo(instance_type=3)], ["'instance_type' must be a string"]),
}


@pytest.mark.parametrize("bots,texts", list(CASES.values()), ids=list(CASES))
def test_each_check(bots, texts):
    problems = bot_model.validate_bots(bots)
    assert any(all(text in problem for text in texts) for problem in problems), problems


@pytest.mark.parametrize("bots", [
    [],
    [BBGO, PY],
    [without(py(environment={}, dashboard={}, schedule=""), "secrets")],
    [bbgo(sha256="", artifact="/tmp/bbgo-slim-v1.62.0-linux-amd64.tar.gz", paper=True, config="sessions: {}\n")],
    [bbgo(artifact_url="https://mirror.example/bbgo.tar.gz", webserver_port="8081", sha256=SHA.upper())],
    [py(instance_type=None, dashboard={"command": "flask_app", "port": "5001"}, schedule="daily",
        secrets=["a/b", {"name": "c/d", "keys": {"api_key": "KIS_KEY", "account": None}}, {"name": "e", "variable": "E"}])],
    [bbgo(name="a" * 32, environment={"KEYBOARD": "x", "MONKEY": "1", "HEALTH_BIND": "127.0.0.1:8000"})],
], ids=["none", "both-kinds", "minimal-python", "bbgo-from-artifact", "bbgo-from-url", "python-full", "edge-names"])
def test_valid_bots_have_no_problems(bots):
    assert bot_model.validate_bots(bots) == []


def test_every_problem_names_the_bot():
    problems = bot_model.validate_bots([bbgo(pakage=1, version="a b"), {"kind": "python", "schedule": "nope"}])
    assert problems and all(p.startswith(("tradeops_bots 'xmaker': ", "tradeops_bots[1]: ")) for p in problems)


def test_unknown_kind_checks_only_common_fields():
    problems = bot_model.validate_bots([{"name": "x", "kind": "rust", "package": "p"}])
    assert len(problems) == 2, problems  # the kind, and the missing version; package is a known field
    assert "kind must be one of" in problems[0] and "missing field 'version'" in problems[1]


def test_calendar_check_is_used_for_schedules():
    seen = []

    def check(expr):
        seen.append(expr)
        return "systemd-analyze: Failed to parse" if expr == "bad" else None

    assert bot_model.validate_bots([py(schedule="whatever it is")], check) == []
    problems = bot_model.validate_bots([py(schedule="bad")], check)
    assert seen == ["whatever it is", "bad"]
    assert problems == ["tradeops_bots 'kis-breakout': schedule 'bad' is not a systemd calendar expression "
                        "(systemd-analyze: Failed to parse): write e.g. 'Mon..Fri 09:00 Asia/Seoul' or 'daily' "
                        "(see systemd.time(7))"]


def test_unknown_time_zone_is_reported_before_the_calendar_check():
    problems = bot_model.validate_bots([py(schedule="daily Mars/Olympus")], lambda expr: "never called")
    assert problems == ["tradeops_bots 'kis-breakout': schedule 'daily Mars/Olympus': unknown time zone "
                        "'Mars/Olympus' (use an IANA name such as Asia/Seoul, or UTC)"]


# Both lists are checked against systemd-analyze too, where this machine has it.
GOOD_CALENDARS = [
    "minutely", "hourly", "daily", "Daily", "weekly", "monthly", "yearly", "quarterly", "semiannually",
    "annually", "daily UTC", "daily Asia/Seoul", "Mon", "Mon..Fri", "mon 09:00", "Monday 09:00",
    "Mon,Wed 9:00", "Mon..Fri,Sun 09:00", "Monday..Friday 18:30:15", "*-*-* *:*:*", "*-*-* 08:00 Europe/Berlin",
    "2026-01-01", "2026-1..3-1 00:00", "*-*-01,15 12:00", "*-*-1/5", "03-05", "*:0/15", "0..23/2:00",
    "00/2:00", "12:00 UTC", "12:00 utc", "Mon..Fri 09:00 Asia/Seoul", "Sat,Sun *-*-* 10:00:00",
    "9..17:0,30", "*-02-29 00:00:00 America/New_York",
]
BAD_CALENDARS = [
    "", "   ", "Mon 24:00", "*:*/15", "*/2:00", "*-13-01", "Mon Tue 09:00", "Sat..Mon", "Fri..Mon 09:00",
    "*-*-5..1", "*:5..1", "09:00:60", "Funday 09:00", "Mon..Wed..Fri", "09", "09:00:00:00", "1-2-3-4",
    "*-*-32", "1969-01-01", "every day", "09:00 Mon", "12:3x", "*:0/0", "*:0/x", "99999-01-01", "UTC",
]


@pytest.mark.parametrize("expr", GOOD_CALENDARS)
def test_parser_accepts(expr):
    assert bot_model.parse_calendar(expr) is None


@pytest.mark.parametrize("expr", BAD_CALENDARS)
def test_parser_refuses(expr):
    assert bot_model.parse_calendar(expr)


def test_parser_refuses_non_strings():
    assert bot_model.parse_calendar(None) == "an empty calendar expression"


@pytest.mark.parametrize("expr,reason", [
    ("Mon 24:00", "hour 24 is out of range (0-23)"),
    ("Sat..Mon", "runs backwards"),
    ("*:*/15", "'*/15' is not a valid minute"),
    ("*:0/0", "no valid step"),
    ("Mon Tue 09:00", "'Tue' is neither a weekday, a date, a time nor a time zone"),
    ("Funday", "'Funday' is not a weekday"),
    ("1-2-3-4", "'1-2-3-4' is not a date"),
    ("09:00:00:00", "is not a time"),
    ("*-*-5..1", "the day range '5..1' runs backwards"),
    ("UTC", "is not a weekday"),
])
def test_parser_says_why(expr, reason):
    assert reason in bot_model.parse_calendar(expr)


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze on this machine")
@pytest.mark.parametrize("expr", [e for e in GOOD_CALENDARS + BAD_CALENDARS if e.strip()])
def test_parser_agrees_with_systemd(expr):
    run = subprocess.run(["systemd-analyze", "calendar", "--", expr], capture_output=True, text=True, check=False)
    assert (run.returncode == 0) == (bot_model.parse_calendar(expr) is None), run.stderr


def test_time_zone_problem():
    assert bot_model.time_zone_problem("Mon 09:00 Asia/Seoul") is None
    assert bot_model.time_zone_problem("Mon 09:00 UTC") is None
    assert bot_model.time_zone_problem("*-*-1/5") is None  # a step, not a time zone
    assert "unknown time zone 'Asia/Nowhere'" in bot_model.time_zone_problem("09:00 Asia/Nowhere")


def test_bot_fields_shape():
    assert list(bot_model.BOT_FIELDS)[:3] == ["name", "kind", "version"]
    for name, spec in bot_model.BOT_FIELDS.items():
        assert spec["type"] in ("str", "bool", "int", "dict", "list", "raw"), name
        assert set(spec["kinds"]) <= set(bot_model.KINDS) and spec["kinds"], name
        assert set(spec["required_for"]) <= set(spec["kinds"]), name
        assert spec["description"].endswith("."), name
    assert bot_model.BOT_FIELDS["kind"]["choices"] == ("bbgo", "python")
    assert bot_model.BOT_FIELDS["webserver_port"]["default"] == 8080
    assert bot_model.BOT_FIELDS["instance_type"]["default"] is None


def test_apply_defaults_fills_the_fields_of_the_kind_without_mutating():
    bot = {"name": "p", "kind": "python", "version": "1", "package": "p", "command": "p", "schedule": None}
    result = bot_model.apply_defaults(bot)
    assert set(result) == set(bot_model.fields_of("python"))
    assert result["schedule"] == "" and result["dashboard"] == {} and result["secrets"] == []
    assert result["instance_type"] is None and bot["schedule"] is None and "dashboard" not in bot
    result["secrets"].append("x")
    assert bot_model.BOT_FIELDS["secrets"]["default"] == []
    full = bot_model.apply_defaults(BBGO)
    assert full["webserver_port"] == 8080 and full["paper"] is False and full["artifact"] == ""
    assert full["config"] == {"sessions": {}} and full is not BBGO and "artifact" not in BBGO


def test_normalize_secret_items():
    items = ["a/b", {"name": "c/d", "prefix": "X_"}]
    assert bot_model.normalize_secret_items(items) == [{"name": "a/b"}, {"name": "c/d", "prefix": "X_"}]
    assert bot_model.normalize_secret_items(None) == []


def test_check_deployment_names():
    names = {
        "ElastiCache replication group id": ("x" * 45, 40),
        "KMS alias": {"value": "alias/tradebot-prod", "limit": 256},
        "DB cluster identifier": {"value": "y" * 63, "limit": 63},
    }
    assert bot_model.check_deployment_names(names) == [
        "tradeops_project + tradeops_environment make the ElastiCache replication group id '%s' 45 characters; "
        "AWS allows 40: shorten tradeops_project or tradeops_environment" % ("x" * 45)]


def test_check_deployment_names_of_a_bot():
    name = "tradebot-prod-" + "b" * 51
    assert bot_model.check_deployment_names({"IAM role name of bot bbb": (name, 64)}) == [
        "tradeops_project + tradeops_environment + the bot's name make the IAM role name of bot bbb '%s' 65 "
        "characters; AWS allows 64: shorten tradeops_project or tradeops_environment or the bot's name" % name]


def test_secret_names():
    assert bot_model.secret_names(["a/b", {"name": "c/d", "keys": {"K": "V"}}, "a/b", {"prefix": "X"}, 3]) == [
        "a/b", "c/d"]
    assert bot_model.secret_names(None) == []
