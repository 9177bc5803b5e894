"""The trading loop with stand-ins for the ledger and the ticker."""

import json
import threading

from fakes import FakePublisher, FakeStore
from paper_bot.bot import PaperBot
from paper_bot.config import Settings
from paper_bot.health import Metrics
from paper_bot.prices import replay


def make_bot(prices, store=None, publisher=None, **env):
    settings = Settings.from_env(dict({"SYMBOL": "TEST", "SMA_FAST": "2", "SMA_SLOW": "4", "TICK_SECONDS": "0.01"}, **env))
    store = store or FakeStore()
    publisher = publisher or FakePublisher()
    bot = PaperBot(settings, store, publisher, iter(prices), Metrics("TEST"), clock=lambda: 1700000000.0)
    return bot, store, publisher


def test_each_tick_is_recorded_and_published():
    bot, store, publisher = make_bot([10.0, 11.0, 12.0])
    for _tick in range(3):
        bot.step()
    assert store.schema_created
    assert store.ticks == [("TEST", 10.0), ("TEST", 11.0), ("TEST", 12.0)]
    assert [json.loads(m) for m in publisher.messages][-1] == {"symbol": "TEST", "price": 12.0, "seq": 3, "ts": 1700000000.0}
    assert bot.metrics.value("paper_bot_ticks_total", symbol="TEST") == 3


def test_crossover_places_paper_orders_and_counts_pnl():
    bot, store, _publisher = make_bot([10, 9, 8, 7, 6, 9, 12, 12, 5, 3])
    sides = [bot.step() for _tick in range(10)]
    assert [fill[1] for fill in store.fills] == ["buy", "sell"]
    assert sides.count("buy") == 1
    assert store.fills[0][3] == 12 and store.fills[1][3] == 5
    assert bot.metrics.value("paper_bot_realized_pnl", symbol="TEST") == -7.0
    assert bot.metrics.value("paper_bot_position", symbol="TEST") == 0


def test_history_and_open_position_are_restored():
    store = FakeStore(history=[1.0, 2.0, 3.0, 4.0], last_side="buy")
    bot, _store, _publisher = make_bot([0.5], store=store)
    assert bot.step() == "sell"


def test_publish_failure_is_counted_not_fatal():
    bot, store, _publisher = make_bot([10.0], publisher=FakePublisher(healthy=False))
    bot.step()
    assert store.ticks == [("TEST", 10.0)]
    assert bot.metrics.value("paper_bot_errors_total", kind="redis") == 1


def test_run_stops_at_max_ticks_and_on_stop_event():
    bot, store, _publisher = make_bot(replay([10.0, 11.0]))
    assert bot.run(threading.Event(), max_ticks=5) == 5
    stop = threading.Event()
    stop.set()
    assert bot.run(stop) == 0
    assert len(store.ticks) == 5


def test_run_retries_after_database_error():
    store = FakeStore(healthy=False)
    bot, _store, _publisher = make_bot(replay([10.0]), store=store)
    stop = threading.Event()
    timer = threading.Timer(0.3, stop.set)
    timer.start()
    assert bot.run(stop) == 0
    timer.join()
    assert bot.metrics.value("paper_bot_errors_total", kind="db") >= 1
