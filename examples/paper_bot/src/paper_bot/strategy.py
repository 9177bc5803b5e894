"""Simple moving-average crossover: long when the fast average crosses above the slow one."""

from __future__ import annotations

import collections
from typing import Iterable, Optional

BUY = "buy"
SELL = "sell"


class SmaCrossover:
    """Long-only SMA crossover with one position at a time.

    ``on_price`` returns "buy" when the fast SMA crosses above the slow SMA while flat, "sell"
    when it crosses below while long, and None otherwise (also while warming up).
    """

    def __init__(self, fast: int = 5, slow: int = 20, long: bool = False):
        if fast < 1 or slow < 2 or fast >= slow:
            raise ValueError("need 1 <= fast < slow; got fast=%r slow=%r" % (fast, slow))
        self.fast = fast
        self.slow = slow
        self.long = long
        self._window = collections.deque(maxlen=slow)
        self._previous_diff: Optional[float] = None

    @staticmethod
    def _mean(values) -> float:
        return sum(values) / len(values)

    @property
    def ready(self) -> bool:
        return len(self._window) == self.slow

    def averages(self):
        """(fast SMA, slow SMA), or None while fewer than ``slow`` prices were seen."""
        if not self.ready:
            return None
        values = list(self._window)
        return self._mean(values[-self.fast:]), self._mean(values)

    def warm_up(self, prices: Iterable[float]) -> None:
        """Feed historical prices (oldest first) without producing signals."""
        for price in prices:
            self._observe(price)

    def _observe(self, price: float) -> Optional[float]:
        if price <= 0:
            raise ValueError("price must be positive; got %r" % price)
        self._window.append(float(price))
        averages = self.averages()
        if averages is None:
            return None
        previous = self._previous_diff
        self._previous_diff = averages[0] - averages[1]
        return previous

    def on_price(self, price: float) -> Optional[str]:
        previous = self._observe(price)
        if previous is None:
            return None
        current = self._previous_diff
        if not self.long and previous <= 0 < current:
            self.long = True
            return BUY
        if self.long and previous >= 0 > current:
            self.long = False
            return SELL
        return None
