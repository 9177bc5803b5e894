"""The ledger in a real SQLite file (stdlib sqlite3): same Store, SQLite dialect."""

import contextlib
import os
import sqlite3
import threading

import pytest

from paper_bot.config import Settings
from paper_bot.store import POSTGRESQL, SQLITE, Store, sqlite_connect, store_for


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "ledger.sqlite3")


@pytest.fixture
def ledger(path):
    store = Store(lambda: sqlite_connect(path), SQLITE)
    store.ensure_schema()
    yield store
    store.close()


def query(path, sql):
    """Rows of ``sql`` on a connection of its own (committed and closed)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(sql).fetchall()
        conn.commit()
    return rows


def tables(path):
    return sorted(row[0] for row in query(path, "SELECT name FROM sqlite_master WHERE name LIKE 'paper_%'"))


def test_schema_is_created_and_idempotent(ledger, path):
    ledger.ensure_schema()
    ledger.record_tick("AAA", 10.0)
    ledger.ensure_schema()
    assert tables(path) == ["paper_fills", "paper_orders", "paper_orders_symbol_id", "paper_ticks",
                            "paper_ticks_symbol_id"]
    assert ledger.recent_prices("AAA", 5) == [10.0]
    assert ledger.backend == "sqlite" and ledger.describe() == {"backend": "sqlite"}


def test_ticks_come_back_oldest_first_per_symbol(ledger):
    for price in (10.0, 11.5, 12.25, 13.0):
        ledger.record_tick("AAA", price)
    ledger.record_tick("BBB", 99.0)
    assert ledger.recent_prices("AAA", 3) == [11.5, 12.25, 13.0]
    assert ledger.recent_prices("BBB", 10) == [99.0]
    assert ledger.recent_prices("CCC", 10) == []


def test_fills_give_increasing_order_ids_and_the_last_side(ledger, path):
    assert ledger.last_side("AAA") is None
    first = ledger.record_fill("AAA", "buy", 2.0, 10.5)
    second = ledger.record_fill("AAA", "sell", 2.0, 12.0)
    assert isinstance(first, int) and second > first
    assert ledger.last_side("AAA") == "sell"
    assert ledger.last_side("BBB") is None
    orders = ledger.recent_orders("AAA", 10)
    assert [order[:5] for order in orders] == [(second, "sell", 2.0, 12.0, "filled"), (first, "buy", 2.0, 10.5, "filled")]
    assert len(orders[0][5]) == len("2026-01-01 00:00:00")  # CURRENT_TIMESTAMP, UTC
    assert ledger.recent_orders("AAA", 1) == orders[:1]
    assert query(path, "SELECT order_id, qty, price FROM paper_fills ORDER BY id") == [
        (first, 2.0, 10.5), (second, 2.0, 12.0)]


def test_constraints_hold_as_in_postgresql(ledger, path):
    with pytest.raises(sqlite3.IntegrityError):
        ledger.record_tick("AAA", -1.0)
    with pytest.raises(sqlite3.IntegrityError):
        ledger.record_fill("AAA", "short", 1.0, 10.0)
    assert "IntegrityError" in ledger.last_error
    conn = sqlite_connect(path)
    with pytest.raises(sqlite3.IntegrityError):  # foreign keys are enforced
        conn.execute(SQLITE.queries["insert_fill"], (999, 1.0, 1.0))
    conn.close()
    assert query(path, "SELECT COUNT(*) FROM paper_ticks") == [(0,)]  # the failed statements left no row behind
    assert query(path, "SELECT COUNT(*) FROM paper_orders") == [(0,)]
    ledger.record_tick("AAA", 1.0)  # and the store reconnected
    assert ledger.last_error is None


def test_ids_are_not_reused_after_a_delete(ledger, path):
    first = ledger.record_fill("AAA", "buy", 1.0, 10.0)
    query(path, "DELETE FROM paper_fills")
    query(path, "DELETE FROM paper_orders")
    assert ledger.record_fill("AAA", "buy", 1.0, 10.0) > first


def test_ping_from_another_thread_shares_the_connection(ledger):
    ledger.record_tick("AAA", 10.0)
    errors = []

    def ping():
        try:
            for _round in range(20):
                ledger.ping()
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)

    threads = [threading.Thread(target=ping) for _thread in range(4)]
    for thread in threads:
        thread.start()
    for price in range(1, 21):
        ledger.record_tick("AAA", float(price))
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(ledger.recent_prices("AAA", 100)) == 21


def test_the_bot_creates_the_directory_readers_never_create_the_file(tmp_path):
    nested = str(tmp_path / "state" / "bot" / "ledger.sqlite3")
    reader = Store(lambda: sqlite_connect(nested, readonly=True), SQLITE)
    with pytest.raises(sqlite3.OperationalError):
        reader.ping()
    assert not os.path.exists(nested)
    writer = Store(lambda: sqlite_connect(nested), SQLITE)
    writer.ensure_schema()
    writer.record_fill("AAA", "buy", 1.0, 10.0)
    reader.ping()
    assert reader.recent_orders("AAA", 5)[0][1] == "buy"
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.record_tick("AAA", 1.0)
    writer.close()
    reader.close()


def test_store_for_follows_the_settings(tmp_path):
    path = str(tmp_path / "ledger.sqlite3")
    sqlite_store = store_for(Settings.from_env({"LEDGER_SQLITE": path}))
    assert sqlite_store.dialect is SQLITE
    sqlite_store.ensure_schema()
    sqlite_store.close()
    assert os.path.exists(path)
    assert store_for(Settings.from_env({"PGHOST": "db.internal"})).dialect is POSTGRESQL
    assert store_for(Settings.from_env({"LEDGER": "postgresql"})).dialect is POSTGRESQL
