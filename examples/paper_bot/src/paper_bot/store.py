"""The paper-trading ledger: PostgreSQL (pg8000, pure Python) or SQLite (stdlib sqlite3).

The schema is created on start (idempotent). One Store class serves both databases: what differs
between them (column types, placeholders, how an insert returns its id) is a Dialect, data only.
Every call takes a lock, so the health endpoint can ping from its own thread while the trading
loop writes (hence sqlite3's check_same_thread=False: the lock serialises the connection).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import ssl
import threading
import urllib.parse
from typing import Callable, Dict, List, Optional, Tuple

LOG = logging.getLogger(__name__)

# The ledger written once; {serial}, {number}, {timestamp} and {reference} are the dialect's types
# and {p} its placeholder.
SCHEMA_TEMPLATE = (
    """CREATE TABLE IF NOT EXISTS paper_ticks (
    id {serial},
    symbol TEXT NOT NULL,
    price {number} NOT NULL CHECK (price > 0),
    recorded_at {timestamp}
)""",
    "CREATE INDEX IF NOT EXISTS paper_ticks_symbol_id ON paper_ticks (symbol, id)",
    """CREATE TABLE IF NOT EXISTS paper_orders (
    id {serial},
    symbol TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    qty {number} NOT NULL CHECK (qty > 0),
    price {number} NOT NULL CHECK (price > 0),
    status TEXT NOT NULL DEFAULT 'filled',
    created_at {timestamp}
)""",
    """CREATE TABLE IF NOT EXISTS paper_fills (
    id {serial},
    order_id {reference} NOT NULL REFERENCES paper_orders (id),
    qty {number} NOT NULL CHECK (qty > 0),
    price {number} NOT NULL CHECK (price > 0),
    filled_at {timestamp}
)""",
    "CREATE INDEX IF NOT EXISTS paper_orders_symbol_id ON paper_orders (symbol, id)",
)

QUERY_TEMPLATES = {
    "insert_tick": "INSERT INTO paper_ticks (symbol, price) VALUES ({p}, {p})",
    "insert_order": "INSERT INTO paper_orders (symbol, side, qty, price, status) VALUES ({p}, {p}, {p}, {p}, 'filled')",
    "insert_fill": "INSERT INTO paper_fills (order_id, qty, price) VALUES ({p}, {p}, {p})",
    "recent_prices": "SELECT price FROM paper_ticks WHERE symbol = {p} ORDER BY id DESC LIMIT {p}",
    "last_side": "SELECT side FROM paper_orders WHERE symbol = {p} ORDER BY id DESC LIMIT 1",
    "recent_orders": (
        "SELECT id, side, qty, price, status, created_at FROM paper_orders WHERE symbol = {p} ORDER BY id DESC LIMIT {p}"
    ),
    "ping": "SELECT 1",
}


@dataclasses.dataclass(frozen=True, eq=False)
class Dialect:
    """What one database needs to differ in: types, placeholder, how an insert gives its id."""

    name: str
    types: Dict[str, str]
    placeholder: str
    returning_id: bool  # INSERT ... RETURNING id (else the cursor's lastrowid)
    schema: Tuple[str, ...] = dataclasses.field(init=False)
    queries: Dict[str, str] = dataclasses.field(init=False)

    def __post_init__(self):
        words = dict(self.types, p=self.placeholder)
        queries = {name: text.format(**words) for name, text in QUERY_TEMPLATES.items()}
        if self.returning_id:
            queries["insert_order"] += " RETURNING id"
        object.__setattr__(self, "schema", tuple(text.format(**words) for text in SCHEMA_TEMPLATE))
        object.__setattr__(self, "queries", queries)


POSTGRESQL = Dialect(
    name="postgresql",
    types=dict(
        serial="BIGSERIAL PRIMARY KEY",
        number="NUMERIC(20, 8)",
        timestamp="TIMESTAMPTZ NOT NULL DEFAULT now()",
        reference="BIGINT",
    ),
    placeholder="%s",  # pg8000.dbapi's "format" paramstyle
    returning_id=True,
)
# Any SQLite 3 (no RETURNING, which needs 3.35): AUTOINCREMENT never reuses an id, REAL holds the
# prices as the bot computes them, CURRENT_TIMESTAMP is UTC ("YYYY-MM-DD HH:MM:SS").
SQLITE = Dialect(
    name="sqlite",
    types=dict(
        serial="INTEGER PRIMARY KEY AUTOINCREMENT",
        number="REAL",
        timestamp="TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP",
        reference="INTEGER",
    ),
    placeholder="?",  # sqlite3's "qmark" paramstyle
    returning_id=False,
)
DIALECTS = {dialect.name: dialect for dialect in (POSTGRESQL, SQLITE)}
SCHEMA_STATEMENTS = POSTGRESQL.schema


def ssl_context_for(sslmode: str, rootcert: Optional[str]) -> Optional[ssl.SSLContext]:
    """An SSL context following libpq's sslmode words (None for disable)."""
    if sslmode == "disable":
        return None
    if sslmode in ("verify-ca", "verify-full"):
        context = ssl.create_default_context(cafile=rootcert)
        context.check_hostname = sslmode == "verify-full"
        return context
    # prefer / require: encrypt, but do not verify (libpq semantics)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def pg8000_connect(settings):
    """Open a pg8000 DB-API connection from the settings (sslmode "prefer" falls back to plain)."""
    import pg8000.dbapi  # pylint: disable=import-outside-toplevel

    kwargs = dict(
        host=settings.pg_host,
        port=settings.pg_port,
        user=settings.pg_user,
        password=settings.pg_password,
        database=settings.pg_database,
        timeout=10,
        application_name="paper-bot",
    )
    context = ssl_context_for(settings.pg_sslmode, settings.pg_sslrootcert)
    if context is None:
        return pg8000.dbapi.connect(**kwargs)
    try:
        return pg8000.dbapi.connect(ssl_context=context, **kwargs)
    except pg8000.dbapi.InterfaceError as exc:
        if settings.pg_sslmode == "prefer" and "refuses SSL" in str(exc):
            LOG.info("PostgreSQL server does not offer TLS; sslmode=prefer continues without it")
            return pg8000.dbapi.connect(**kwargs)
        raise


def sqlite_connect(path: str, readonly: bool = False):
    """Open the SQLite ledger; the bot creates the file (and its directory), readers never do.

    The connection may be used from the health endpoint's thread: Store's lock serialises it.
    """
    import sqlite3  # pylint: disable=import-outside-toplevel

    path = os.path.abspath(path)
    if readonly:
        uri = "file:%s?mode=ro" % urllib.parse.quote(path)
        conn = sqlite3.connect(uri, uri=True, timeout=10, check_same_thread=False)
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        conn = sqlite3.connect(path, timeout=10, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")  # REFERENCES is enforced as in PostgreSQL
    return conn


def store_for(settings, readonly: bool = False) -> "Store":
    """The Store of the configured backend (settings.ledger); ``readonly`` for the dashboard."""
    if settings.ledger == SQLITE.name:
        return Store(lambda: sqlite_connect(settings.ledger_sqlite, readonly), SQLITE)
    return Store(lambda: pg8000_connect(settings), POSTGRESQL)


class Store:
    """Ledger operations over a DB-API connection made by ``connect`` (reconnects after errors)."""

    def __init__(self, connect: Callable[[], object], dialect: Dialect = POSTGRESQL):
        self._connect = connect
        self.dialect = dialect
        self._conn = None
        self._lock = threading.Lock()
        self.last_error: Optional[str] = None

    def _connection(self):
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def _run(self, work):
        with self._lock:
            try:
                conn = self._connection()
                cursor = conn.cursor()
                try:
                    result = work(cursor)
                finally:
                    cursor.close()
                conn.commit()
            except Exception as exc:
                self.last_error = "%s: %s" % (type(exc).__name__, exc)
                self._discard()
                raise
            self.last_error = None
            return result

    def _discard(self):
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.rollback()
            except Exception:  # pylint: disable=broad-except
                pass
            try:
                conn.close()
            except Exception:  # pylint: disable=broad-except
                pass

    @property
    def backend(self) -> str:
        return self.dialect.name

    def describe(self) -> dict:
        """Static facts for the health report (never a credential)."""
        return {"backend": self.backend}

    def _sql(self, name: str) -> str:
        return self.dialect.queries[name]

    def ensure_schema(self) -> None:
        def work(cursor):
            for statement in self.dialect.schema:
                cursor.execute(statement)

        self._run(work)

    def record_tick(self, symbol: str, price: float) -> None:
        self._run(lambda cursor: cursor.execute(self._sql("insert_tick"), (symbol, price)))

    def record_fill(self, symbol: str, side: str, qty: float, price: float) -> int:
        """Record a paper order and its immediate fill at ``price``; returns the order id."""

        def work(cursor):
            cursor.execute(self._sql("insert_order"), (symbol, side, qty, price))
            order_id = cursor.fetchone()[0] if self.dialect.returning_id else cursor.lastrowid
            cursor.execute(self._sql("insert_fill"), (order_id, qty, price))
            return order_id

        return self._run(work)

    def recent_prices(self, symbol: str, limit: int) -> List[float]:
        """The last ``limit`` recorded prices of ``symbol``, oldest first."""

        def work(cursor):
            cursor.execute(self._sql("recent_prices"), (symbol, limit))
            return [float(row[0]) for row in cursor.fetchall()]

        return list(reversed(self._run(work)))

    def recent_orders(self, symbol: str, limit: int) -> List[tuple]:
        """The last ``limit`` paper orders of ``symbol``, newest first."""

        def work(cursor):
            cursor.execute(self._sql("recent_orders"), (symbol, limit))
            return [tuple(row) for row in cursor.fetchall()]

        return self._run(work)

    def last_side(self, symbol: str) -> Optional[str]:
        def work(cursor):
            cursor.execute(self._sql("last_side"), (symbol,))
            row = cursor.fetchone()
            return row[0] if row else None

        return self._run(work)

    def ping(self) -> None:
        def work(cursor):
            cursor.execute(self._sql("ping"))
            cursor.fetchall()

        self._run(work)

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.close()
