"""The trading loop: next price -> record tick -> publish -> strategy -> paper order and fill."""

from __future__ import annotations

import logging
import threading
import time
from typing import Iterator, Optional

from .publisher import tick_message
from .strategy import BUY, SELL, SmaCrossover

LOG = logging.getLogger(__name__)


class PaperBot:
    """One symbol, one SMA crossover strategy, orders filled on paper at the tick price."""

    def __init__(self, settings, store, publisher, prices: Iterator[float], metrics, clock=time.time):
        self.settings = settings
        self.store = store
        self.publisher = publisher
        self.prices = prices
        self.metrics = metrics
        self.clock = clock
        self.strategy = SmaCrossover(settings.sma_fast, settings.sma_slow)
        self.seq = 0
        self.entry_price: Optional[float] = None
        self.ready = False

    def prepare(self) -> None:
        """Create the schema and warm the strategy up from the recorded history."""
        self.store.ensure_schema()
        history = self.store.recent_prices(self.settings.symbol, self.settings.sma_slow)
        self.strategy.warm_up(history)
        self.strategy.long = self.store.last_side(self.settings.symbol) == BUY
        if self.strategy.long and history:
            self.entry_price = history[-1]
        self.metrics.set("paper_bot_position", 1 if self.strategy.long else 0, symbol=self.settings.symbol)
        self.ready = True
        LOG.info(
            "ledger ready: %d recorded prices for %s, position %s",
            len(history), self.settings.symbol, "long" if self.strategy.long else "flat",
        )

    def step(self) -> Optional[str]:
        """Process one tick; returns the paper order side placed, if any.

        A failed Redis publish is counted and logged, not fatal (without Redis nothing is
        published); a database error propagates (the caller decides whether to retry).
        """
        if not self.ready:
            self.prepare()
        symbol = self.settings.symbol
        price = next(self.prices)
        self.seq += 1
        self.store.record_tick(symbol, price)
        self.metrics.inc("paper_bot_ticks_total", symbol=symbol)
        self.metrics.set("paper_bot_last_price", price, symbol=symbol)
        if self.publisher.enabled:
            self._publish(symbol, price)
        signal = self.strategy.on_price(price)
        if signal is None:
            return None
        qty = self.settings.order_qty
        order_id = self.store.record_fill(symbol, signal, qty, price)
        self.metrics.inc("paper_bot_orders_total", side=signal, symbol=symbol)
        self.metrics.set("paper_bot_position", 1 if signal == BUY else 0, symbol=symbol)
        if signal == BUY:
            self.entry_price = price
        elif signal == SELL and self.entry_price is not None:
            self.metrics.inc("paper_bot_realized_pnl", (price - self.entry_price) * qty, symbol=symbol)
            self.entry_price = None
        LOG.info("paper %s %s %s @ %s (order %s)", signal, qty, symbol, price, order_id)
        return signal

    def _publish(self, symbol: str, price: float) -> None:
        try:
            self.publisher.publish(tick_message(symbol, price, self.seq, self.clock()))
        except Exception as exc:  # pylint: disable=broad-except
            self.metrics.inc("paper_bot_errors_total", kind="redis")
            LOG.warning("publishing to %s failed: %s", self.publisher.channel, type(exc).__name__)
        else:
            self.metrics.inc("paper_bot_published_total", symbol=symbol)

    def run(self, stop: threading.Event, max_ticks: Optional[int] = None) -> int:
        """Tick every ``tick_seconds`` until ``stop`` is set (or ``max_ticks`` were processed).

        Database errors are retried with a growing pause (up to a minute) so the bot survives a
        failover; returns the number of ticks processed.
        """
        processed = 0
        backoff = 1.0
        while not stop.is_set():
            try:
                self.step()
            except StopIteration:
                LOG.info("price source exhausted")
                break
            except Exception as exc:  # pylint: disable=broad-except
                self.ready = False
                self.metrics.inc("paper_bot_errors_total", kind="db")
                LOG.error("tick failed (%s: %s); retrying in %.0f s", type(exc).__name__, exc, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            backoff = 1.0
            processed += 1
            if max_ticks is not None and processed >= max_ticks:
                break
            stop.wait(self.settings.tick_seconds)
        return processed
