"""Price sources for paper trading: a seeded random walk or the replay of a CSV file."""

from __future__ import annotations

import csv
import math
import random
from typing import Iterator, List, Optional

PRICE_COLUMNS = ("price", "close", "last")


def random_walk(start: float = 100.0, volatility: float = 0.01, seed: Optional[int] = None) -> Iterator[float]:
    """Endless geometric random walk; the same seed gives the same prices."""
    if start <= 0:
        raise ValueError("start price must be positive")
    if volatility < 0:
        raise ValueError("volatility must not be negative")
    rng = random.Random(seed)
    price = float(start)
    while True:
        yield float("%.8g" % price)  # 8 significant digits: never rounds to zero
        price *= math.exp(rng.gauss(0.0, volatility))


def load_csv(path: str, symbol: Optional[str] = None) -> List[float]:
    """Read prices from a CSV file with a header naming a price, close or last column.

    When the file has a symbol column, only the rows of ``symbol`` are used.
    """
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = {name.strip().lower(): name for name in (reader.fieldnames or [])}
        column = next((fields[name] for name in PRICE_COLUMNS if name in fields), None)
        if column is None:
            raise ValueError("%s: no price column (one of %s) in the header" % (path, ", ".join(PRICE_COLUMNS)))
        symbol_column = fields.get("symbol")
        prices = []
        for line, row in enumerate(reader, start=2):
            if symbol and symbol_column and row[symbol_column].strip() != symbol:
                continue
            try:
                value = float(row[column])
            except (TypeError, ValueError):
                raise ValueError("%s:%d: %r is not a price" % (path, line, row[column])) from None
            if value <= 0 or math.isnan(value) or math.isinf(value):
                raise ValueError("%s:%d: price must be positive; got %r" % (path, line, row[column]))
            prices.append(value)
    if not prices:
        raise ValueError("%s: no prices%s" % (path, " for %s" % symbol if symbol else ""))
    return prices


def replay(prices: List[float], loop: bool = True) -> Iterator[float]:
    """Yield the prices in order; start over at the end when ``loop`` is true."""
    if not prices:
        raise ValueError("nothing to replay")
    while True:
        yield from prices
        if not loop:
            return
