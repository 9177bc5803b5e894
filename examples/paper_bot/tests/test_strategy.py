"""SMA crossover signals."""

import pytest

from paper_bot.strategy import BUY, SELL, SmaCrossover


def signals(strategy, prices):
    return [strategy.on_price(price) for price in prices]


def test_no_signal_while_warming_up():
    strategy = SmaCrossover(2, 4)
    assert signals(strategy, [10, 9, 8]) == [None, None, None]
    assert not strategy.ready


def test_buy_on_upward_cross_then_sell_on_downward_cross():
    strategy = SmaCrossover(2, 4)
    # falling prices: fast SMA below slow; then a rally crosses it above; then a drop below
    out = signals(strategy, [10, 9, 8, 7, 6, 9, 12, 12, 5, 3])
    # SMA(2) crosses above SMA(4) at 12 (index 6) and below it at 5 (index 8)
    assert out == [None, None, None, None, None, None, BUY, None, SELL, None]
    assert not strategy.long


def test_no_second_buy_while_long():
    strategy = SmaCrossover(2, 3)
    out = signals(strategy, [5, 4, 3, 6, 9, 12, 15, 18])
    assert out.count(BUY) == 1
    assert strategy.long


def test_warm_up_uses_history_without_signals():
    strategy = SmaCrossover(2, 4)
    strategy.warm_up([10, 9, 8, 7])
    assert strategy.ready
    assert strategy.averages() == (7.5, 8.5)
    assert strategy.on_price(20) == BUY


def test_long_position_restored_allows_sell_only():
    strategy = SmaCrossover(2, 4, long=True)
    strategy.warm_up([1, 2, 3, 4])
    assert signals(strategy, [5, 6]) == [None, None]
    assert strategy.on_price(0.5) == SELL


@pytest.mark.parametrize("fast,slow", [(5, 5), (6, 5), (0, 3), (1, 1)])
def test_invalid_windows_are_rejected(fast, slow):
    with pytest.raises(ValueError):
        SmaCrossover(fast, slow)


def test_non_positive_price_is_rejected():
    with pytest.raises(ValueError):
        SmaCrossover(1, 2).on_price(0)
