"""Settings of the paper bot, read from environment variables only.

Credentials are never taken from the command line (they would show in the process list).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from typing import Mapping, Optional

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off", "")
PG_SSLMODES = ("disable", "prefer", "require", "verify-ca", "verify-full")
LEDGER_BACKENDS = ("auto", "postgresql", "sqlite")
LEDGER_FILE = "ledger.sqlite3"


class ConfigError(ValueError):
    """An environment variable holds a value the bot cannot use."""


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError("%s must be one of 1/0, true/false, yes/no, on/off; got %r" % (name, raw))


def _number(env: Mapping[str, str], name: str, default, kind=float, minimum=None):
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError("%s must be a %s; got %r" % (name, kind.__name__, raw)) from None
    if minimum is not None and value < minimum:
        raise ConfigError("%s must be at least %s; got %r" % (name, minimum, raw))
    return value


def _text(env: Mapping[str, str], name: str) -> Optional[str]:
    """The variable's value, or None when it is unset or blank."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return None
    return raw.strip()


def resolve_ledger(env: Mapping[str, str]) -> tuple:
    """(backend, SQLite path) from LEDGER, PGHOST, LEDGER_SQLITE and STATE_DIRECTORY.

    LEDGER=auto (the default) means PostgreSQL when PGHOST is set, else SQLite. The SQLite file
    is LEDGER_SQLITE, else ledger.sqlite3 in the first directory of STATE_DIRECTORY (systemd sets
    it for units with StateDirectory=), else ledger.sqlite3 in the working directory.
    """
    word = (_text(env, "LEDGER") or "auto").lower()
    if word not in LEDGER_BACKENDS:
        raise ConfigError("LEDGER must be one of %s; got %r" % (", ".join(LEDGER_BACKENDS), env.get("LEDGER")))
    if word == "auto":
        word = "postgresql" if _text(env, "PGHOST") else "sqlite"
    path = _text(env, "LEDGER_SQLITE")
    if path is None:
        state_dirs = [item for item in (env.get("STATE_DIRECTORY") or "").split(":") if item.strip()]
        path = os.path.join(state_dirs[0], LEDGER_FILE) if state_dirs else os.path.join(".", LEDGER_FILE)
    return word, path


def parse_bind(value: str) -> tuple:
    """Parse HEALTH_BIND ("127.0.0.1:8000"); only loopback addresses are accepted."""
    host, sep, port_text = value.rpartition(":")
    if not sep or not host:
        raise ConfigError("HEALTH_BIND must be HOST:PORT, e.g. 127.0.0.1:8000; got %r" % value)
    host = host.strip("[]")
    if host != "localhost":
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            raise ConfigError("HEALTH_BIND host must be a loopback address; got %r" % host) from None
        if not address.is_loopback:
            raise ConfigError(
                "HEALTH_BIND must be a loopback address (the endpoint is not meant for the network); got %r" % host
            )
    try:
        port = int(port_text)
    except ValueError:
        raise ConfigError("HEALTH_BIND port must be a number; got %r" % port_text) from None
    if not 0 <= port <= 65535:
        raise ConfigError("HEALTH_BIND port must be 0-65535; got %d" % port)
    return host, port


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything the bot needs, resolved from the environment."""

    symbol: str = "PAPER"
    tick_seconds: float = 5.0
    price_csv: Optional[str] = None
    seed: Optional[int] = None
    start_price: float = 100.0
    volatility: float = 0.01
    sma_fast: int = 5
    sma_slow: int = 20
    order_qty: float = 1.0
    health_host: str = "127.0.0.1"
    health_port: int = 8000
    ledger: str = "sqlite"
    ledger_sqlite: str = os.path.join(".", LEDGER_FILE)
    pg_host: str = "127.0.0.1"
    pg_port: int = 5432
    pg_user: str = "postgres"
    pg_password: Optional[str] = dataclasses.field(default=None, repr=False)
    pg_database: str = "postgres"
    pg_sslmode: str = "prefer"
    pg_sslrootcert: Optional[str] = None
    redis_host: Optional[str] = None
    redis_port: int = 6379
    redis_username: Optional[str] = None
    redis_password: Optional[str] = dataclasses.field(default=None, repr=False)
    redis_tls: bool = True
    redis_ca_file: Optional[str] = None
    redis_check_hostname: bool = True
    redis_db: int = 0
    log_file: Optional[str] = None

    @property
    def channel(self) -> str:
        return "ticker.%s" % self.symbol

    @property
    def publishing(self) -> bool:
        """Ticks go to Redis only when REDIS_HOST is set."""
        return bool(self.redis_host)

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        env = os.environ if env is None else env
        symbol = env.get("SYMBOL", cls.symbol).strip()
        if not symbol or any(ch.isspace() for ch in symbol):
            raise ConfigError("SYMBOL must be a non-empty word; got %r" % symbol)
        health_host, health_port = parse_bind(env.get("HEALTH_BIND", "127.0.0.1:8000"))
        sslmode = env.get("PGSSLMODE", cls.pg_sslmode).strip().lower()
        if sslmode not in PG_SSLMODES:
            raise ConfigError("PGSSLMODE must be one of %s; got %r" % (", ".join(PG_SSLMODES), sslmode))
        fast = _number(env, "SMA_FAST", cls.sma_fast, int, 1)
        slow = _number(env, "SMA_SLOW", cls.sma_slow, int, 2)
        if fast >= slow:
            raise ConfigError("SMA_FAST (%d) must be smaller than SMA_SLOW (%d)" % (fast, slow))
        ledger, ledger_sqlite = resolve_ledger(env)
        return cls(
            symbol=symbol,
            tick_seconds=_number(env, "TICK_SECONDS", cls.tick_seconds, float, 0.01),
            price_csv=env.get("PRICE_CSV") or None,
            seed=_number(env, "SEED", None, int),
            start_price=_number(env, "START_PRICE", cls.start_price, float, 0.01),
            volatility=_number(env, "VOLATILITY", cls.volatility, float, 0.0),
            sma_fast=fast,
            sma_slow=slow,
            order_qty=_number(env, "ORDER_QTY", cls.order_qty, float, 0.0),
            health_host=health_host,
            health_port=health_port,
            ledger=ledger,
            ledger_sqlite=ledger_sqlite,
            pg_host=_text(env, "PGHOST") or cls.pg_host,
            pg_port=_number(env, "PGPORT", cls.pg_port, int, 1),
            pg_user=env.get("PGUSER", cls.pg_user),
            pg_password=env.get("PGPASSWORD") or None,
            pg_database=env.get("PGDATABASE", cls.pg_database),
            pg_sslmode=sslmode,
            pg_sslrootcert=env.get("PGSSLROOTCERT") or None,
            redis_host=_text(env, "REDIS_HOST"),
            redis_port=_number(env, "REDIS_PORT", cls.redis_port, int, 1),
            redis_username=env.get("REDIS_USERNAME") or None,
            redis_password=env.get("REDIS_PASSWORD") or None,
            redis_tls=_flag(env, "REDIS_TLS", cls.redis_tls),
            redis_ca_file=env.get("REDIS_CA_FILE") or None,
            redis_check_hostname=_flag(env, "REDIS_TLS_CHECK_HOSTNAME", cls.redis_check_hostname),
            redis_db=_number(env, "REDIS_DB", cls.redis_db, int, 0),
            log_file=env.get("LOG_FILE") or None,
        )
