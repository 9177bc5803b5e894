"""Ledger SQL and the Store wrapper, against a DB-API stand-in."""

import ssl

import pytest

from fakes import FakeConnection
from paper_bot import store as store_module
from paper_bot.store import DIALECTS, SCHEMA_STATEMENTS, Store, ssl_context_for


def test_schema_is_idempotent_and_complete():
    text = "\n".join(SCHEMA_STATEMENTS)
    for statement in SCHEMA_STATEMENTS:
        assert statement.startswith(("CREATE TABLE IF NOT EXISTS", "CREATE INDEX IF NOT EXISTS"))
    for table in ("paper_ticks", "paper_orders", "paper_fills"):
        assert "CREATE TABLE IF NOT EXISTS %s (" % table in text
    assert "REFERENCES paper_orders (id)" in text
    assert "CHECK (side IN ('buy', 'sell'))" in text
    # tables are created before the indexes and the foreign key that use them
    order = [s.split()[5] if s.startswith("CREATE TABLE") else s.split()[7] for s in SCHEMA_STATEMENTS]
    assert order.index("paper_orders") < order.index("paper_fills")
    assert all(s.count("(") == s.count(")") for s in SCHEMA_STATEMENTS)


@pytest.mark.parametrize("dialect", list(DIALECTS.values()), ids=list(DIALECTS))
def test_placeholders_match_parameters(dialect):
    counts = {"insert_tick": 2, "insert_order": 4, "insert_fill": 3, "recent_prices": 2, "last_side": 1,
              "recent_orders": 2, "ping": 0}
    assert set(dialect.queries) == set(counts)
    other = "?" if dialect.placeholder == "%s" else "%s"
    for name, count in counts.items():
        assert dialect.queries[name].count(dialect.placeholder) == count, name
        assert other not in dialect.queries[name], name


def test_dialects_differ_only_in_types_placeholders_and_returning():
    assert store_module.POSTGRESQL.queries["insert_order"].endswith(" RETURNING id")
    assert "RETURNING" not in store_module.SQLITE.queries["insert_order"]
    assert SCHEMA_STATEMENTS == store_module.POSTGRESQL.schema
    for pg_text, sqlite_text in zip(store_module.POSTGRESQL.schema, store_module.SQLITE.schema):
        for pg_type, sqlite_type in (("BIGSERIAL PRIMARY KEY", "INTEGER PRIMARY KEY AUTOINCREMENT"),
                                     ("NUMERIC(20, 8)", "REAL"), ("TIMESTAMPTZ", "TEXT"), ("now()", "CURRENT_TIMESTAMP"),
                                     ("BIGINT", "INTEGER")):
            pg_text = pg_text.replace(pg_type, sqlite_type)
        assert pg_text == sqlite_text
    assert all("{" not in text for dialect in DIALECTS.values() for text in dialect.schema)


def test_ensure_schema_runs_every_statement_in_one_transaction():
    conn = FakeConnection()
    Store(lambda: conn).ensure_schema()
    assert [sql for sql, _params in conn.executed] == list(SCHEMA_STATEMENTS)
    assert conn.commits == 1


def test_record_fill_inserts_order_then_fill_with_its_id():
    conn = FakeConnection(answers=[[(41,)], []])
    order_id = Store(lambda: conn).record_fill("AAA", "buy", 2.0, 10.5)
    assert order_id == 41
    (order_sql, order_params), (fill_sql, fill_params) = conn.executed
    assert order_sql.startswith("INSERT INTO paper_orders") and order_params == ("AAA", "buy", 2.0, 10.5)
    assert fill_sql.startswith("INSERT INTO paper_fills") and fill_params == (41, 2.0, 10.5)


def test_recent_prices_are_returned_oldest_first():
    conn = FakeConnection(answers=[[("12.5",), ("11",), ("10",)]])
    assert Store(lambda: conn).recent_prices("AAA", 3) == [10.0, 11.0, 12.5]
    assert conn.executed[0][1] == ("AAA", 3)


def test_error_discards_connection_and_reconnects():
    made = []

    def connect():
        made.append(FakeConnection(fail_on="paper_ticks" if not made else None))
        return made[-1]

    ledger = Store(connect)
    with pytest.raises(RuntimeError):
        ledger.record_tick("AAA", 1.0)
    assert made[0].closed and made[0].rollbacks == 1
    assert "RuntimeError" in ledger.last_error
    ledger.record_tick("AAA", 1.0)
    assert len(made) == 2 and ledger.last_error is None


def test_close_closes_the_connection():
    conn = FakeConnection()
    ledger = Store(lambda: conn)
    ledger.ping()
    ledger.close()
    assert conn.closed


def test_ssl_contexts_follow_libpq_sslmode():
    assert ssl_context_for("disable", None) is None
    relaxed = ssl_context_for("require", None)
    assert relaxed.verify_mode == ssl.CERT_NONE and not relaxed.check_hostname
    strict = ssl_context_for("verify-full", None)
    assert strict.verify_mode == ssl.CERT_REQUIRED and strict.check_hostname
    assert not ssl_context_for("verify-ca", None).check_hostname
