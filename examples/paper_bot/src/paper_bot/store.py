"""The paper-trading ledger in PostgreSQL (pg8000, pure Python).

The schema is created on start (idempotent). Every call takes a lock, so the health endpoint
can ping from its own thread while the trading loop writes.
"""

from __future__ import annotations

import logging
import ssl
import threading
from typing import Callable, List, Optional

LOG = logging.getLogger(__name__)

SCHEMA_STATEMENTS = (
    """CREATE TABLE IF NOT EXISTS paper_ticks (
    id BIGSERIAL PRIMARY KEY,
    symbol TEXT NOT NULL,
    price NUMERIC(20, 8) NOT NULL CHECK (price > 0),
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
)""",
    "CREATE INDEX IF NOT EXISTS paper_ticks_symbol_id ON paper_ticks (symbol, id)",
    """CREATE TABLE IF NOT EXISTS paper_orders (
    id BIGSERIAL PRIMARY KEY,
    symbol TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    qty NUMERIC(20, 8) NOT NULL CHECK (qty > 0),
    price NUMERIC(20, 8) NOT NULL CHECK (price > 0),
    status TEXT NOT NULL DEFAULT 'filled',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
)""",
    """CREATE TABLE IF NOT EXISTS paper_fills (
    id BIGSERIAL PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES paper_orders (id),
    qty NUMERIC(20, 8) NOT NULL CHECK (qty > 0),
    price NUMERIC(20, 8) NOT NULL CHECK (price > 0),
    filled_at TIMESTAMPTZ NOT NULL DEFAULT now()
)""",
    "CREATE INDEX IF NOT EXISTS paper_orders_symbol_id ON paper_orders (symbol, id)",
)

INSERT_TICK = "INSERT INTO paper_ticks (symbol, price) VALUES (%s, %s)"
INSERT_ORDER = "INSERT INTO paper_orders (symbol, side, qty, price, status) VALUES (%s, %s, %s, %s, 'filled') RETURNING id"
INSERT_FILL = "INSERT INTO paper_fills (order_id, qty, price) VALUES (%s, %s, %s)"
RECENT_PRICES = "SELECT price FROM paper_ticks WHERE symbol = %s ORDER BY id DESC LIMIT %s"
LAST_SIDE = "SELECT side FROM paper_orders WHERE symbol = %s ORDER BY id DESC LIMIT 1"
RECENT_ORDERS = (
    "SELECT id, side, qty, price, status, created_at FROM paper_orders WHERE symbol = %s ORDER BY id DESC LIMIT %s"
)


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


class Store:
    """Ledger operations over a DB-API connection made by ``connect`` (reconnects after errors)."""

    def __init__(self, connect: Callable[[], object]):
        self._connect = connect
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

    def ensure_schema(self) -> None:
        def work(cursor):
            for statement in SCHEMA_STATEMENTS:
                cursor.execute(statement)

        self._run(work)

    def record_tick(self, symbol: str, price: float) -> None:
        self._run(lambda cursor: cursor.execute(INSERT_TICK, (symbol, price)))

    def record_fill(self, symbol: str, side: str, qty: float, price: float) -> int:
        """Record a paper order and its immediate fill at ``price``; returns the order id."""

        def work(cursor):
            cursor.execute(INSERT_ORDER, (symbol, side, qty, price))
            order_id = cursor.fetchone()[0]
            cursor.execute(INSERT_FILL, (order_id, qty, price))
            return order_id

        return self._run(work)

    def recent_prices(self, symbol: str, limit: int) -> List[float]:
        """The last ``limit`` recorded prices of ``symbol``, oldest first."""

        def work(cursor):
            cursor.execute(RECENT_PRICES, (symbol, limit))
            return [float(row[0]) for row in cursor.fetchall()]

        return list(reversed(self._run(work)))

    def recent_orders(self, symbol: str, limit: int) -> List[tuple]:
        """The last ``limit`` paper orders of ``symbol``, newest first."""

        def work(cursor):
            cursor.execute(RECENT_ORDERS, (symbol, limit))
            return [tuple(row) for row in cursor.fetchall()]

        return self._run(work)

    def last_side(self, symbol: str) -> Optional[str]:
        def work(cursor):
            cursor.execute(LAST_SIDE, (symbol,))
            row = cursor.fetchone()
            return row[0] if row else None

        return self._run(work)

    def ping(self) -> None:
        def work(cursor):
            cursor.execute("SELECT 1")
            cursor.fetchall()

        self._run(work)

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.close()
