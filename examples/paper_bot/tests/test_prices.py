"""Price generator and CSV replay."""

import itertools

import pytest

from paper_bot.prices import load_csv, random_walk, replay


def take(iterator, count):
    return list(itertools.islice(iterator, count))


def test_random_walk_is_reproducible_with_a_seed():
    assert take(random_walk(100.0, 0.02, seed=7), 50) == take(random_walk(100.0, 0.02, seed=7), 50)


def test_random_walk_differs_between_seeds():
    assert take(random_walk(100.0, 0.02, seed=1), 20) != take(random_walk(100.0, 0.02, seed=2), 20)


def test_random_walk_starts_at_start_and_stays_positive():
    prices = take(random_walk(50.0, 0.5, seed=3), 500)
    assert prices[0] == 50.0
    assert all(price > 0 for price in prices)
    assert len(set(prices)) > 400


def test_random_walk_without_volatility_is_flat():
    assert take(random_walk(10.0, 0.0, seed=1), 5) == [10.0] * 5


@pytest.mark.parametrize("start,vol", [(0.0, 0.01), (-1.0, 0.01), (1.0, -0.1)])
def test_random_walk_rejects_bad_parameters(start, vol):
    with pytest.raises(ValueError):
        next(random_walk(start, vol))


def test_csv_replay_uses_close_column_and_symbol_filter(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("timestamp,symbol,Close\n1,AAA,10.5\n2,BBB,99\n3,AAA,11\n", encoding="utf-8")
    assert load_csv(str(path), "AAA") == [10.5, 11.0]
    assert load_csv(str(path)) == [10.5, 99.0, 11.0]


def test_replay_loops_and_stops_when_asked():
    assert take(replay([1.0, 2.0]), 5) == [1.0, 2.0, 1.0, 2.0, 1.0]
    assert list(replay([1.0, 2.0], loop=False)) == [1.0, 2.0]


@pytest.mark.parametrize(
    "text,message",
    [
        ("timestamp,volume\n1,2\n", "no price column"),
        ("price\nabc\n", "is not a price"),
        ("price\n-3\n", "must be positive"),
        ("price\n", "no prices"),
    ],
)
def test_csv_errors_name_the_problem(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_csv(str(path))
