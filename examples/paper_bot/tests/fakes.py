"""Test doubles for the ledger store and the Redis publisher (no services needed)."""

import threading


class FakeStore:
    """Stand-in for paper_bot.store.Store that keeps the ledger in lists."""

    backend = "fake"

    def __init__(self, healthy=True, history=None, last_side=None):
        self.healthy = healthy
        self.ticks = []
        self.fills = []
        self.schema_created = False
        self.closed = False
        self._history = list(history or [])
        self._last_side = last_side
        self.lock = threading.Lock()

    def ensure_schema(self):
        self.schema_created = True

    def record_tick(self, symbol, price):
        if not self.healthy:
            raise ConnectionError("database down")
        self.ticks.append((symbol, price))

    def record_fill(self, symbol, side, qty, price):
        self.fills.append((symbol, side, qty, price))
        return len(self.fills)

    def recent_prices(self, symbol, limit):
        return self._history[-limit:]

    def last_side(self, symbol):
        return self._last_side

    def recent_orders(self, symbol, limit):
        if not self.healthy:
            raise ConnectionError("database down")
        rows = [(n + 1, fill[1], fill[2], fill[3], "filled", "2026-01-01 00:00:00") for n, fill in enumerate(self.fills)]
        return list(reversed(rows))[:limit]

    def ping(self):
        if not self.healthy:
            raise ConnectionError("database down")

    def close(self):
        self.closed = True


class FakePublisher:
    """Stand-in for paper_bot.publisher.Publisher that remembers messages."""

    enabled = True

    def __init__(self, healthy=True, channel="ticker.TEST"):
        self.healthy = healthy
        self.channel = channel
        self.messages = []
        self.closed = False

    def publish(self, message):
        if not self.healthy:
            raise ConnectionError("redis down")
        self.messages.append(message)
        return 1

    def ping(self):
        if not self.healthy:
            raise ConnectionError("redis down")

    def close(self):
        self.closed = True


class FakeCursor:
    """DB-API cursor stand-in that logs statements and answers from a queue."""

    def __init__(self, conn):
        self.conn = conn
        self._rows = []

    def execute(self, sql, params=None):
        if self.conn.fail_on and self.conn.fail_on in sql:
            raise RuntimeError("statement failed")
        self.conn.executed.append((sql, params))
        self._rows = self.conn.answers.pop(0) if self.conn.answers else []

    def fetchone(self):
        return self._rows[0] if self._rows else None

    def fetchall(self):
        return list(self._rows)

    def close(self):
        pass


class FakeConnection:
    """DB-API connection stand-in."""

    def __init__(self, answers=None, fail_on=None):
        self.executed = []
        self.answers = list(answers or [])
        self.fail_on = fail_on
        self.commits = 0
        self.rollbacks = 0
        self.closed = False

    def cursor(self):
        return FakeCursor(self)

    def commit(self):
        self.commits += 1

    def rollback(self):
        self.rollbacks += 1

    def close(self):
        self.closed = True
