# -*- coding: utf-8 -*-
# Copyright: tradeops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The bot schema: the fields of an item of ``tradeops_bots``, written once.

BOT_FIELDS lists every field (argument_specs style); validate_bots() checks a list of bots
against it and returns plain sentences, each naming the bot, the field and the fix;
apply_defaults() fills in the defaults. The module tradeops.aws.bot_model runs these in the
preflight play, before any AWS call; scripts/bot_fields.py prints BOT_FIELDS as the README's
"Bot fields" table.

Pure standard library (plus the env file rules of envfile.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import difflib
import re
from collections import OrderedDict

try:
    from collections.abc import Mapping
except ImportError:  # pragma: no cover - Python 2 is not supported
    Mapping = dict

try:
    import zoneinfo
except ImportError:  # pragma: no cover - Python < 3.9: time zones are not checked
    zoneinfo = None

from ansible_collections.tradeops.aws.plugins.module_utils.envfile import is_valid_name, value_problem

KINDS = ("bbgo", "python")
BOTH = KINDS
BBGO = ("bbgo",)
PYTHON = ("python",)


def _field(type_, kinds, description, default=None, required_for=(), choices=None, default_by_kind=None):
    spec = {"type": type_, "default": default, "kinds": kinds, "required_for": required_for,
            "description": description}
    if default_by_kind:
        spec["default_by_kind"] = default_by_kind
    if choices:
        spec["choices"] = choices
    return spec


BOT_FIELDS = OrderedDict([
    ("name", _field("str", BOTH, required_for=BOTH, description=(
        "Names the host, the systemd units, the log group and the Linux user: lower-case letters, digits "
        "and `-`, starting with a letter, at most 32 characters."))),
    ("kind", _field("str", BOTH, required_for=BOTH, choices=KINDS, description=(
        "`bbgo` (the Go bot of github.com/c9s/bbgo) or `python` (any pip-installable bot)."))),
    ("version", _field("str", BOTH, required_for=BOTH, description=(
        "Release name, the directory `/opt/<name>/releases/<version>/`; for BBGO the release tag "
        "(`v1.62.0`)."))),
    ("package", _field("str", PYTHON, required_for=PYTHON, description=(
        "What to pip install: a requirement, a VCS or URL requirement, or a wheel, project directory or "
        "requirements file on the controller."))),
    ("command", _field("str", PYTHON, required_for=PYTHON, description=(
        "Command line run from the release venv's `bin/` (no secrets here)."))),
    ("schedule", _field("str", PYTHON, default="", description=(
        "systemd `OnCalendar=` expression with its time zone (`Mon..Fri 09:00 Asia/Seoul`): a oneshot "
        "service started by a timer; empty runs a long-running service."))),
    ("dashboard", _field("dict", PYTHON, default={}, description=(
        "Optional dashboard `{command, port}` run as `<name>-dashboard.service`, bound to 127.0.0.1 "
        "(port 1024-65535)."))),
    ("environment", _field("dict", BOTH, default={}, description=(
        "Plain settings written to the env file (`SYMBOL: BTCUSDT`); secrets are refused here."))),
    ("secrets", _field("list", BOTH, default=[], description=(
        "Secrets Manager names whose JSON keys become variables in the env file, or secrets_env items "
        "`{name, prefix, keys, variable}`."))),
    ("sha256", _field("str", BBGO, default="", description=(
        "sha256 of the release tarball (BBGO publishes no checksums); required unless `artifact` is "
        "given."))),
    ("artifact", _field("str", BBGO, default="", description=(
        "A release tarball or binary on the controller, used instead of the download."))),
    ("artifact_url", _field("str", BBGO, default="", description=(
        "Download URL of the release tarball instead of the upstream one (needs `sha256`)."))),
    ("config", _field("raw", BBGO, default={}, description=(
        "The bot's bbgo.yaml (sessions, exchangeStrategies, ...) as a mapping or a YAML string."))),
    ("paper", _field("bool", BBGO, default=False, description=(
        "Paper trading (`PAPER_TRADE=1`)."))),
    ("webserver_port", _field("int", BBGO, default=8080, description=(
        "Port of BBGO's web server (`GET /api/ping`), bound to 127.0.0.1."))),
    ("database", _field("bool", BOTH, default_by_kind={"bbgo": True, "python": False}, description=(
        "The bot uses the deployment's database (BBGO: MySQL; Python: PostgreSQL) and gets its "
        "endpoint and credentials; no bot with `database: true` means no database is created."))),
    ("cache", _field("bool", BOTH, default_by_kind={"bbgo": True, "python": False}, description=(
        "The bot uses the deployment's Redis (TLS + AUTH); no bot with `cache: true` means no cache "
        "is created."))),
    ("metadata_access", _field("bool", BOTH, default=False, description=(
        "The bot's processes may reach the instance metadata service and take its host role's "
        "credentials (for a bot that calls AWS itself); off: its units deny 169.254.169.254 and "
        "fd00:ec2::254, and its secrets come in its env file."))),
    ("instance_type", _field("str", BOTH, description=(
        "EC2 instance type of this bot's host (family.size); unset means the deployment's "
        "`instance_type`."))),
])

NAME_PATTERN = re.compile(r"^[a-z]([a-z0-9-]*[a-z0-9])?$")
NAME_MAX = 32  # the name is also the Linux user name: useradd refuses longer ones
VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")
SHA256_PATTERN = re.compile(r"^[0-9a-fA-F]{64}$")
SECRET_NAME_PATTERN = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
SECRET_ITEM_KEYS = ("name", "prefix", "keys", "variable")
DASHBOARD_KEYS = ("command", "port")
SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN")
TYPE_NAMES = {"str": "a string", "bool": "true or false", "int": "an integer", "dict": "a mapping",
              "list": "a list"}
SECRETS_HINT = ("tradeops_bots[].secrets items are Secrets Manager names (1-512 letters, digits and /_+=.@-) "
                "or mappings {name, prefix, keys, variable}")


def fields_of(kind):
    """The names of the fields a bot of this kind takes, in BOT_FIELDS order."""
    return [name for name, spec in BOT_FIELDS.items() if kind in spec["kinds"]]


def _type_name(value):
    return "null" if value is None else type(value).__name__


def _is_type(value, type_):
    if type_ == "str":
        return isinstance(value, str)
    if type_ == "bool":
        return isinstance(value, bool)
    if type_ == "int":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and value.isdigit())
    if type_ == "dict":
        return isinstance(value, Mapping)
    if type_ == "list":
        return isinstance(value, list)
    return True


def _is_port(value):
    return _is_type(value, "int") and 1024 <= int(value) <= 65535


def _suggest(word, choices):
    matches = difflib.get_close_matches(str(word), list(choices), n=1)
    return "; did you mean '%s'?" % matches[0] if matches else ""


def _given(value):
    return value is not None and value != ""


def _label(bot, index):
    name = bot.get("name") if isinstance(bot, Mapping) else None
    if isinstance(name, str) and name:
        return "tradeops_bots '%s'" % name
    return "tradeops_bots[%d]" % index


# ---------------------------------------------------------------- the calendar parser

SHORTHANDS = ("minutely", "hourly", "daily", "weekly", "monthly", "yearly", "quarterly",
              "semiannually", "annually")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME_ZONE_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)+$")
_NUMBER = re.compile(r"^[0-9]+$")


def _time_zone_word(expr):
    """The trailing time zone of a calendar expression (an IANA name with a '/', or UTC), or None."""
    words = expr.split()
    if len(words) > 1 and (words[-1].upper() == "UTC" or _TIME_ZONE_WORD.match(words[-1])):
        return words[-1]
    return None


def time_zone_problem(expr):
    """Why the trailing time zone of expr is unknown (a sentence fragment), or None.

    Only a last word that contains '/' (Asia/Seoul) or is UTC counts as a time zone; it is
    looked up with zoneinfo. Without zoneinfo or a time zone database nothing is checked.
    """
    word = _time_zone_word(expr)
    if word is None or word.upper() == "UTC" or zoneinfo is None:
        return None
    try:
        zoneinfo.ZoneInfo(word)
        return None
    except (KeyError, ValueError, OSError):
        known = zoneinfo.available_timezones()
        if not known:  # pragma: no cover - a controller without a time zone database
            return None
        return "unknown time zone '%s'%s (use an IANA name such as Asia/Seoul, or UTC)" % (
            word, _suggest(word, sorted(known)))


def _weekday(word):
    word = word.lower()
    for number, day in enumerate(WEEKDAYS):
        if word in (day, day[:3]):
            return number
    return None


def _weekdays_problem(part):
    for item in part.split(","):
        ends = item.split("..")
        days = [_weekday(end) for end in ends]
        if len(ends) > 2 or None in days:
            return "'%s' is not a weekday or a range of weekdays (Mon..Fri)" % item
        if days[0] > days[-1]:
            return "the weekday range '%s' runs backwards (write Mon..Fri, not Fri..Mon)" % item
    return None


def _component_problem(part, what, low, high, digits=2):
    """One component of a date or time: *, or a list of values, ranges a..b, each with /step."""
    if part == "*":
        return None
    for item in part.split(","):
        value, _sep, step = item.partition("/")
        ends = value.split("..")
        if len(ends) > 2 or not all(_NUMBER.match(end) and len(end) <= digits for end in ends):
            return "'%s' is not a valid %s (a number, a list 1,15, a range 1..5 or a step 0/15)" % (item, what)
        numbers = [int(end) for end in ends]
        if not all(low <= number <= high for number in numbers):
            return "%s %s is out of range (%d-%d)" % (what, value, low, high)
        if numbers[0] > numbers[-1]:
            return "the %s range '%s' runs backwards" % (what, value)
        if _sep and not (_NUMBER.match(step) and int(step) > 0):
            return "'%s' has no valid step after '/' (a positive number)" % item
    return None


def _date_problem(part):
    pieces = part.split("-")
    if len(pieces) == 2:
        pieces = ["*"] + pieces
    if len(pieces) != 3:
        return "'%s' is not a date (YYYY-MM-DD, MM-DD or *-*-*)" % part
    for piece, what, low, high, digits in zip(pieces, ("year", "month", "day"), (1970, 1, 1),
                                              (2199, 12, 31), (4, 2, 2)):
        problem = _component_problem(piece, what, low, high, digits)
        if problem:
            return problem
    return None


def _time_problem(part):
    pieces = part.split(":")
    if len(pieces) not in (2, 3):
        return "'%s' is not a time (HH:MM or HH:MM:SS)" % part
    for piece, what, high in zip(pieces, ("hour", "minute", "second"), (23, 59, 59)):
        problem = _component_problem(piece, what, 0, high)
        if problem:
            return problem
    return None


def parse_calendar(expr):
    """Check a systemd calendar expression (OnCalendar=); None when valid, else the reason.

    The fallback of tradeops.aws.bot_model when the controller has no systemd-analyze. It
    accepts a subset of systemd.time(7), always refusing what systemd refuses:

    * a shorthand alone: minutely, hourly, daily, weekly, monthly, yearly, quarterly,
      semiannually, annually (any case), optionally followed by a time zone;
    * or, in this order and each optional (at least one of the three):
      a weekday part - a comma-separated list of weekdays (Mon..Sun or Monday..Sunday, any
      case) and forward ranges Mon..Fri;
      a date part - YYYY-MM-DD or MM-DD, each component * or a comma-separated list of
      numbers and forward ranges 1..5, each optionally with a step /N (year 1970-2199,
      month 1-12, day 1-31);
      a time part - HH:MM or HH:MM:SS, components as for the date (hour 0-23, minute and
      second 0-59), for example 09:00, *:0/15, 9..17:00;
    * then an optional time zone: UTC or an IANA name containing '/' (Asia/Seoul).

    Not accepted (systemd accepts them; use a controller with systemd-analyze):
    fractional seconds, the last-day-of-month '~', timestamps with '@', weekday lists
    separated by blanks, single-word time zones other than UTC (Japan, EST).
    """
    if not isinstance(expr, str) or not expr.strip():
        return "an empty calendar expression"
    words = expr.split()
    if _time_zone_word(expr):
        words = words[:-1]
    if len(words) == 1 and words[0].lower() in SHORTHANDS:
        return None
    parts = []
    if words and words[0][:1].isalpha():
        parts.append(_weekdays_problem(words.pop(0)))
    if words and "-" in words[0]:
        parts.append(_date_problem(words.pop(0)))
    if words and ":" in words[0]:
        parts.append(_time_problem(words.pop(0)))
    if words:
        return "'%s' is neither a weekday, a date, a time nor a time zone where it stands" % words[0]
    return next((problem for problem in parts if problem), None)


# ---------------------------------------------------------------- the checks

def _check_type(label, field, value, type_):
    if _is_type(value, type_):
        return []
    scalar = isinstance(value, (int, float, bool))
    hint = "; quote it in YAML" if type_ == "str" and scalar else ""
    shown = " %r" % (value,) if scalar else ""  # never a whole list or mapping: it may hold anything
    return ["%s: '%s' must be %s, got %s%s%s" % (label, field, TYPE_NAMES[type_], _type_name(value), shown, hint)]


def _check_name(label, name):
    if len(name) > NAME_MAX:
        return ["%s: name '%s' is %d characters; it is also the bot's Linux user name, which useradd "
                "limits to %d: shorten it" % (label, name, len(name), NAME_MAX)]
    if not NAME_PATTERN.match(name) or "--" in name:
        return ["%s: name '%s' is not DNS-safe (it names a host, services and a log group): use lower-case "
                "letters, digits and '-', starting with a letter, not ending with '-', no '--'" % (label, name)]
    return []


def _check_schedule(label, expr, calendar_check):
    problem = time_zone_problem(expr)
    if problem:
        return ["%s: schedule '%s': %s" % (label, expr, problem)]
    problem = (calendar_check or parse_calendar)(expr)
    if problem:
        return ["%s: schedule '%s' is not a systemd calendar expression (%s): write e.g. "
                "'Mon..Fri 09:00 Asia/Seoul' or 'daily' (see systemd.time(7))" % (label, expr, problem)]
    return []


def _check_dashboard(label, dashboard):
    problems = []
    for key in dashboard:
        if key not in DASHBOARD_KEYS:
            problems.append("%s: dashboard has an unknown key '%s'%s (dashboard takes command and port)"
                            % (label, key, _suggest(key, DASHBOARD_KEYS)))
    if not dashboard:
        return problems
    command = dashboard.get("command")
    if not (isinstance(command, str) and command.strip()):
        problems.append("%s: dashboard needs a command (the dashboard's command line, e.g. flask_app)" % label)
    if not _is_port(dashboard.get("port")):
        problems.append("%s: dashboard port must be an integer 1024-65535, got %r" % (label, dashboard.get("port")))
    return problems


def _secret_ish(key):
    upper = key.upper()
    return any(word in upper for word in SECRET_WORDS) or upper.endswith("_KEY")


def _check_environment(label, environment):
    problems = []
    for key, value in environment.items():
        if not (isinstance(key, str) and is_valid_name(key)):
            problems.append("%s: environment variable name %r is not valid: use letters, digits and '_', "
                            "not starting with a digit" % (label, key))
        elif _secret_ish(key):
            problems.append("%s: environment variable '%s' looks like a secret, which belongs in Secrets "
                            "Manager: put it in a secret and list it under secrets" % (label, key))
        elif not isinstance(value, (str, int, float, bool)):
            problems.append("%s: environment variable '%s' must be a plain value (string or number), got %s"
                            % (label, key, _type_name(value)))
        elif isinstance(value, str) and value_problem(value):
            problems.append("%s: environment variable '%s' %s" % (label, key, value_problem(value)))
    return problems


def _secret_item_problem(item):
    if isinstance(item, str):
        return None if SECRET_NAME_PATTERN.match(item) else "is not a valid Secrets Manager name"
    if not isinstance(item, Mapping):
        return "is neither a secret name nor a mapping {name, prefix, keys, variable}"
    unknown = [key for key in item if key not in SECRET_ITEM_KEYS]
    if unknown:
        return "has the unknown key '%s'%s" % (unknown[0], _suggest(unknown[0], SECRET_ITEM_KEYS))
    if not (isinstance(item.get("name"), str) and SECRET_NAME_PATTERN.match(item["name"])):
        return "has no valid name (a Secrets Manager name)"
    for key in ("prefix", "variable"):
        if item.get(key) is not None and not isinstance(item[key], str):
            return "has a %s that is not a string" % key
    keys = item.get("keys")
    if keys is not None and not (isinstance(keys, Mapping) and all(
            isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in keys.items())):
        return "has keys that are not a mapping of JSON key -> variable name"
    if item.get("variable") and (keys or item.get("prefix")):
        return "has variable together with keys or prefix (variable takes the whole secret as one variable)"
    return None


def _check_secrets(label, secrets):
    problems = []
    for number, item in enumerate(secrets):
        problem = _secret_item_problem(item)
        if problem:
            problems.append("%s: secrets[%d] %r %s (%s)" % (label, number, item, problem, SECRETS_HINT))
    return problems


def _check_fields(label, bot, kind):
    """Unknown fields, fields of the other kind, missing required fields, types."""
    problems = []
    taken = fields_of(kind) if kind in KINDS else list(BOT_FIELDS)
    for field in bot:
        if field not in BOT_FIELDS:
            suggestion = _suggest(field, taken) or _suggest(field, BOT_FIELDS)
            problems.append("%s: unknown field '%s'%s" % (label, field, suggestion or
                                                          " (fields: %s)" % ", ".join(taken)))
        elif field not in taken:
            problems.append("%s: '%s' is not a field of a %s bot (fields of %s: %s)"
                            % (label, field, kind, kind, ", ".join(taken)))
        elif bot[field] is not None:
            problems.extend(_check_type(label, field, bot[field], BOT_FIELDS[field]["type"]))
    for field in taken:
        required_for = BOT_FIELDS[field]["required_for"]
        if kind in required_for and not _given(bot.get(field)):
            problems.append("%s: missing field '%s' (required for a %s bot): %s"
                            % (label, field, kind, BOT_FIELDS[field]["description"]))
        elif kind not in KINDS and required_for == KINDS and not _given(bot.get(field)):
            problems.append("%s: missing field '%s' (required for every bot): %s"
                            % (label, field, BOT_FIELDS[field]["description"]))
    return problems


def _typed(bot, field, type_):
    """The field's value when it is given and of its type, else None."""
    value = bot.get(field)
    return value if _given(value) and _is_type(value, type_) else None


def _check_values(label, bot, kind, calendar_check):
    """The checks of the values, for the fields that are given and of the right type."""
    problems = []
    if _typed(bot, "name", "str"):
        problems.extend(_check_name(label, bot["name"]))
    version = _typed(bot, "version", "str")
    if version and not VERSION_PATTERN.match(version):
        problems.append("%s: version '%s' is not a plain release name (it names the directory "
                        "/opt/<name>/releases/<version>/): use letters, digits and ._+-, starting with a letter "
                        "or digit" % (label, version))
    schedule = _typed(bot, "schedule", "str")
    if schedule and kind == "python":
        problems.extend(_check_schedule(label, schedule, calendar_check))
    sha256 = _typed(bot, "sha256", "str")
    if sha256 and not SHA256_PATTERN.match(sha256):
        problems.append("%s: sha256 must be exactly 64 hex digits (sha256sum of the release tarball), got %d "
                        "characters" % (label, len(sha256)))
    if kind == "bbgo" and not _given(bot.get("sha256")):
        if _given(bot.get("artifact_url")):
            problems.append("%s: artifact_url needs sha256: add the sha256sum of the tarball at that URL" % label)
        elif not _given(bot.get("artifact")):
            problems.append("%s: a bbgo bot needs sha256 (BBGO publishes no checksums: add the sha256sum of "
                            "bbgo-slim-<version>-linux-<arch>.tar.gz), or artifact (a release file on the "
                            "controller)" % label)
    dashboard = _typed(bot, "dashboard", "dict")
    if dashboard is not None and kind == "python":
        problems.extend(_check_dashboard(label, dashboard))
    environment = _typed(bot, "environment", "dict")
    if environment is not None:
        problems.extend(_check_environment(label, environment))
    secrets = _typed(bot, "secrets", "list")
    if secrets is not None:
        problems.extend(_check_secrets(label, secrets))
    config = bot.get("config")
    if kind == "bbgo" and config is not None and not isinstance(config, (str, Mapping)):
        problems.append("%s: config must be the bbgo.yaml as a mapping or a YAML string, got %s"
                        % (label, _type_name(config)))
    port = _typed(bot, "webserver_port", "int")
    if kind == "bbgo" and port is not None and not _is_port(port):
        problems.append("%s: webserver_port must be an integer 1024-65535, got %r" % (label, port))
    return problems


def validate_bots(bots, calendar_check=None):
    """Check tradeops_bots; return a list of problems (empty when every bot is valid).

    calendar_check(expr) returns None for a valid schedule or the reason it is not (for
    example from systemd-analyze); parse_calendar() when not given.
    """
    if not isinstance(bots, list):
        return ["tradeops_bots must be a list of bots (mappings such as {name: xmaker, kind: bbgo, ...}), got %s"
                % _type_name(bots)]
    problems = []
    seen = {}
    for index, bot in enumerate(bots):
        if not isinstance(bot, Mapping):
            problems.append("tradeops_bots[%d] must be a mapping of bot fields ({name: ..., kind: ...}), got %s"
                            % (index, _type_name(bot)))
            continue
        label = _label(bot, index)
        kind = bot.get("kind")
        if _given(kind) and kind not in KINDS:
            problems.append("%s: kind must be one of %s (got %r)" % (label, ", ".join(KINDS), kind))
        problems.extend(_check_fields(label, bot, kind))
        problems.extend(_check_values(label, bot, kind, calendar_check))
        name = bot.get("name")
        if isinstance(name, str) and name:
            if name in seen:
                problems.append("tradeops_bots: duplicate name '%s' (bots %d and %d): every bot needs its own "
                                "name" % (name, seen[name], index))
            seen.setdefault(name, index)
    return problems


def apply_defaults(bot):
    """A new dict: the bot with every field of its kind present, defaults filled in. Its values
    are the bot's own (a shallow copy: deep-copying Ansible's lazily templated values would
    template all of them on every reference), the defaults are fresh copies."""
    result = dict(bot)
    kind = bot.get("kind")
    for field in fields_of(kind):
        if result.get(field) is None:
            spec = BOT_FIELDS[field]
            result[field] = copy.deepcopy(spec.get("default_by_kind", {}).get(kind, spec["default"]))
    return result


def data_services(bots):
    """Which data services the deployment needs: {'database': bool, 'cache': bool,
    'database_family': 'mysql' | 'postgresql'} (BBGO speaks MySQL only, so any BBGO bot that uses
    the database makes it MySQL)."""
    bots = [apply_defaults(bot) for bot in bots or [] if isinstance(bot, Mapping)]
    users = [bot for bot in bots if bot.get("database")]
    return {
        "database": bool(users),
        "cache": any(bot.get("cache") for bot in bots),
        "database_family": "mysql" if any(bot.get("kind") == "bbgo" for bot in users) else "postgresql",
    }


def secret_names(secrets):
    """The Secrets Manager names in a bot's ``secrets`` (names and {name: ...} items), in order."""
    names = []
    for item in secrets or []:
        name = item if isinstance(item, str) else (item.get("name") if isinstance(item, Mapping) else None)
        if name and name not in names:
            names.append(name)
    return names


def normalize_secret_items(secrets):
    """secrets as a list of secrets_env items: a name becomes {'name': name}."""
    return [{"name": item} if isinstance(item, str) else dict(item) for item in secrets or []]


def check_deployment_names(names):
    """Problems of AWS names made from tradeops_project and tradeops_environment.

    names: {label: (value, limit)} (or {label: {'value': ..., 'limit': ...}}), for example
    {'ElastiCache replication group id': ('tradebot-prod', 40)}.
    """
    problems = []
    for label, spec in names.items():
        value, limit = (spec["value"], spec["limit"]) if isinstance(spec, Mapping) else spec
        if len(value) > int(limit):
            of_bot = " of bot " in label
            problems.append("tradeops_project + tradeops_environment%s make the %s '%s' %d characters; AWS allows "
                            "%d: shorten tradeops_project or tradeops_environment%s"
                            % (" + the bot's name" if of_bot else "", label, value, len(value), limit,
                               " or the bot's name" if of_bot else ""))
    return problems
