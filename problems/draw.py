"""Drawing a variant's givens: numbers a person computes with by hand.

Every function takes the `random.Random` of the seed, so the same seed draws
the same numbers. `until` redraws a whole set of givens until it passes the
problem's own test (no saturated sigmoid, no dead ReLU, sizes that divide):
the test reads the numbers drawn, so the variant stays sensible whatever
they are.
"""
from __future__ import annotations

#: Draws before a variant gives up: the tests that reject are loose enough
#: that a few dozen draws suffice; more means the test is wrong.
TRIES = 2000


def decimal(rng, low: float, high: float, places: int = 1, nonzero: bool = False) -> float | int:
    """A number in [low, high] with `places` decimals (an int when whole)."""
    scale = 10 ** places
    while True:
        value = rng.randint(round(low * scale), round(high * scale)) / scale
        if not (nonzero and value == 0):
            return int(value) if value == int(value) else value


def decimals(rng, count: int, low: float, high: float, places: int = 1, nonzero: bool = False) -> list:
    return [decimal(rng, low, high, places, nonzero) for _ in range(count)]


def matrix(rng, rows: int, cols: int, low: float, high: float, places: int = 1, nonzero: bool = False) -> list:
    return [decimals(rng, cols, low, high, places, nonzero) for _ in range(rows)]


def until(rng, draw, accept, what: str):
    """`draw(rng)` again until `accept(givens)`; a problem whose test never
    passes is a bug of the problem, said as one."""
    for _ in range(TRIES):
        givens = draw(rng)
        if accept(givens):
            return givens
    raise RuntimeError(f"no variant of {what} passed its test in {TRIES} draws")
