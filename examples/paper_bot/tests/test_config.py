"""Settings from the environment."""

import os

import pytest

from paper_bot.config import ConfigError, Settings, parse_bind, resolve_ledger


def test_defaults_are_loopback_tls_and_paper():
    settings = Settings.from_env({})
    assert settings.health_host == "127.0.0.1"
    assert settings.redis_tls is True
    assert settings.redis_ca_file is None
    assert settings.channel == "ticker.PAPER"
    assert settings.pg_sslmode == "prefer"


def test_values_come_from_environment():
    settings = Settings.from_env(
        {
            "SYMBOL": "069500",
            "TICK_SECONDS": "0.5",
            "PGHOST": "db.internal",
            "PGPORT": "6543",
            "PGUSER": "bot",
            "PGPASSWORD": "s3cret",
            "PGDATABASE": "ledger",
            "REDIS_HOST": "cache.internal",
            "REDIS_PORT": "6380",
            "REDIS_PASSWORD": "tok",
            "REDIS_TLS": "0",
            "REDIS_CA_FILE": "/etc/ssl/ca.pem",
            "HEALTH_BIND": "127.0.0.1:9100",
            "SEED": "42",
        }
    )
    assert settings.channel == "ticker.069500"
    assert settings.tick_seconds == 0.5
    assert (settings.pg_host, settings.pg_port, settings.pg_user, settings.pg_database) == ("db.internal", 6543, "bot", "ledger")
    assert settings.pg_password == "s3cret"
    assert (settings.redis_host, settings.redis_port, settings.redis_tls) == ("cache.internal", 6380, False)
    assert settings.redis_ca_file == "/etc/ssl/ca.pem"
    assert settings.health_port == 9100
    assert settings.seed == 42


def test_secrets_are_not_in_repr():
    settings = Settings.from_env({"PGPASSWORD": "pg-secret-value", "REDIS_PASSWORD": "redis-secret-value"})
    assert "pg-secret-value" not in repr(settings)
    assert "redis-secret-value" not in repr(settings)


@pytest.mark.parametrize(
    "env,name",
    [
        ({"TICK_SECONDS": "fast"}, "TICK_SECONDS"),
        ({"TICK_SECONDS": "0"}, "TICK_SECONDS"),
        ({"REDIS_TLS": "maybe"}, "REDIS_TLS"),
        ({"PGSSLMODE": "sometimes"}, "PGSSLMODE"),
        ({"SMA_FAST": "30", "SMA_SLOW": "20"}, "SMA_FAST"),
        ({"SYMBOL": "two words"}, "SYMBOL"),
        ({"HEALTH_BIND": "0.0.0.0:8000"}, "HEALTH_BIND"),
        ({"LEDGER": "oracle"}, "LEDGER"),
    ],
)
def test_bad_values_name_the_variable(env, name):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env(env)


@pytest.mark.parametrize(
    "value,expected",
    [("127.0.0.1:8000", ("127.0.0.1", 8000)), ("[::1]:81", ("::1", 81)), ("localhost:0", ("localhost", 0))],
)
def test_parse_bind_accepts_loopback(value, expected):
    assert parse_bind(value) == expected


@pytest.mark.parametrize("value", ["10.0.0.5:8000", "example.org:80", "8000", "127.0.0.1:http", "127.0.0.1:70000"])
def test_parse_bind_refuses_everything_else(value):
    with pytest.raises(ConfigError):
        parse_bind(value)


def test_without_pghost_the_ledger_is_sqlite_in_the_working_directory():
    settings = Settings.from_env({})
    assert (settings.ledger, settings.ledger_sqlite) == ("sqlite", os.path.join(".", "ledger.sqlite3"))
    assert Settings.from_env({"PGHOST": " "}).ledger == "sqlite"


def test_pghost_selects_postgresql():
    settings = Settings.from_env({"PGHOST": "db.internal"})
    assert settings.ledger == "postgresql" and settings.pg_host == "db.internal"


@pytest.mark.parametrize(
    "env,path",
    [
        ({"STATE_DIRECTORY": "/var/lib/paper"}, "/var/lib/paper/ledger.sqlite3"),
        ({"STATE_DIRECTORY": "/var/lib/paper:/var/lib/other"}, "/var/lib/paper/ledger.sqlite3"),
        ({"STATE_DIRECTORY": "/var/lib/paper", "LEDGER_SQLITE": "/data/book.db"}, "/data/book.db"),
        ({"LEDGER_SQLITE": "book.db", "STATE_DIRECTORY": ""}, "book.db"),
    ],
)
def test_sqlite_path_from_ledger_sqlite_then_state_directory(env, path):
    assert Settings.from_env(env).ledger_sqlite == path


@pytest.mark.parametrize(
    "env,backend",
    [
        ({"LEDGER": "auto"}, "sqlite"),
        ({"LEDGER": "", "PGHOST": "db"}, "postgresql"),
        ({"LEDGER": "sqlite", "PGHOST": "db"}, "sqlite"),
        ({"LEDGER": " SQLite "}, "sqlite"),
        ({"LEDGER": "postgresql"}, "postgresql"),
    ],
)
def test_ledger_overrides_the_choice(env, backend):
    assert Settings.from_env(env).ledger == backend
    assert resolve_ledger(env)[0] == backend


def test_explicit_postgresql_without_pghost_uses_the_old_default_host():
    assert Settings.from_env({"LEDGER": "postgresql"}).pg_host == "127.0.0.1"


@pytest.mark.parametrize("value", ["mysql", "postgres", "sqlite3", "1"])
def test_unknown_ledger_is_refused_naming_the_variable(value):
    with pytest.raises(ConfigError, match="LEDGER must be one of auto, postgresql, sqlite; got %r" % value):
        Settings.from_env({"LEDGER": value})


def test_redis_is_used_only_when_redis_host_is_set():
    assert not Settings.from_env({}).publishing
    assert Settings.from_env({}).redis_host is None
    assert not Settings.from_env({"REDIS_HOST": ""}).publishing
    assert Settings.from_env({"REDIS_HOST": "cache.internal"}).publishing
