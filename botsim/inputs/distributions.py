"""Duration distributions as small validated value objects.

Every delay in a scenario (funnel stages, notice periods, entity setup, ...) is one of these.
In a scenario file a bare number means a fixed value; otherwise write a mapping with a ``dist``
key, e.g. ``{dist: lognormal, mean: 12, sd: 4}``. All values are in days unless the field says
otherwise. Each object knows its ``mean`` and ``variance`` (used by docs, tests and the
closed-form checks) and draws samples from a generator that the caller owns.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any, Literal, get_args

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.functional_validators import BeforeValidator

MAX_DURATION_DAYS = 7305.0
"""Upper bound on every duration parameter (a value, mean, sd, bound or observed value), in
days: 20 years, the longest horizon a scenario may have (``scenario.MAX_HORIZON_MONTHS``). A
longer delay could never end inside any simulated horizon, and the bound keeps sums of delays
finite and the candidate search short (a fixed offer duration of 1e308 days once made it
draw finalists forever)."""

MAX_LOGNORMAL_CV = 100.0
"""Upper bound on a lognormal's coefficient of variation sd / mean (log-space sigma about 3,
a 99.9th percentile about 10,000 times the median). Assumption: delays fitted to HR data have a
CV of a few; beyond 100 the parameters are a unit error, and (sd / mean)**2 overflows."""

MAX_EMPIRICAL_WEIGHT = 1e12
"""Upper bound on one empirical weight (counts or shares): keeps the sum of up to 100,000
weights finite, so the probabilities are well defined (assumption: any real count is far below)."""

Days = Annotated[float, Field(ge=0, le=MAX_DURATION_DAYS, allow_inf_nan=False)]
"""A duration parameter in days, at most ``MAX_DURATION_DAYS``."""
PosDays = Annotated[float, Field(gt=0, le=MAX_DURATION_DAYS, allow_inf_nan=False)]


def triangular_quantile(low: float, mode: float, high: float) -> Callable[[float], float]:
    """The inverse CDF of Triangular(low, mode, high): the one implementation, used by
    ``Triangular.sample`` and by the candidate search. It is the inversion numpy's
    ``Generator.triangular`` performs on one uniform, so it gives numpy's values draw for draw.
    """
    low, mode, high = float(low), float(mode), float(high)
    base = high - low
    ratio = (mode - low) / base
    left_prod = (mode - low) * base
    right_prod = (high - mode) * base
    sqrt = math.sqrt

    def quantile(u: float) -> float:
        if u <= ratio:
            return low + sqrt(u * left_prod)
        return high - sqrt((1.0 - u) * right_prod)

    return quantile


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @property
    def mean(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def variance(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int | None = None) -> Any:
        raise NotImplementedError  # pragma: no cover - overridden


class Fixed(_Dist):
    """Always the same value (deterministic delay)."""

    dist: Literal["fixed"] = "fixed"
    value: Days

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, size: int | None = None) -> Any:
        return self.value if size is None else np.full(size, self.value)

    def __repr__(self) -> str:
        return f"Fixed({self.value:g})"


class Exponential(_Dist):
    """Memoryless delay with the given mean (rate = 1/mean)."""

    dist: Literal["exponential"] = "exponential"
    mean_: PosDays = Field(alias="mean")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return self.mean_**2

    def sample(self, rng: np.random.Generator, size: int | None = None) -> Any:
        return rng.exponential(self.mean_, size)

    def __repr__(self) -> str:
        return f"Exponential(mean={self.mean_:g})"


class LogNormal(_Dist):
    """Right-skewed delay parameterised by its own mean and standard deviation (not log-space)."""

    dist: Literal["lognormal"] = "lognormal"
    mean_: PosDays = Field(alias="mean")
    sd: PosDays

    @model_validator(mode="after")
    def _finite_log_params(self) -> LogNormal:
        if self.sd > MAX_LOGNORMAL_CV * self.mean_:
            raise ValueError(
                f"lognormal sd must be at most {MAX_LOGNORMAL_CV:g} times its mean (a coefficient "
                f"of variation beyond that is a unit error), got mean={self.mean_:g}, "
                f"sd={self.sd:g}"
            )
        return self

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return self.sd**2

    def _log_params(self) -> tuple[float, float]:
        sigma2 = math.log1p((self.sd / self.mean_) ** 2)
        return math.log(self.mean_) - sigma2 / 2, math.sqrt(sigma2)

    def sample(self, rng: np.random.Generator, size: int | None = None) -> Any:
        mu, sigma = self._log_params()
        return rng.lognormal(mu, sigma, size)

    def __repr__(self) -> str:
        return f"LogNormal(mean={self.mean_:g}, sd={self.sd:g})"


class Triangular(_Dist):
    """Delay between ``low`` and ``high`` with its most likely value at ``mode``."""

    dist: Literal["triangular"] = "triangular"
    low: Days
    mode: Days
    high: Days

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high) or self.low == self.high:
            raise ValueError(
                f"triangular needs low <= mode <= high and low < high, "
                f"got low={self.low}, mode={self.mode}, high={self.high}"
            )
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def variance(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def quantile(self) -> Callable[[float], float]:
        """The inverse CDF, u in [0, 1) -> days (:func:`triangular_quantile`)."""
        return triangular_quantile(self.low, self.mode, self.high)

    def sample(self, rng: np.random.Generator, size: int | None = None) -> Any:
        q = self.quantile()
        if size is None:
            return q(rng.random())
        return np.array([q(u) for u in rng.random(size).tolist()])

    def __repr__(self) -> str:
        return f"Triangular({self.low:g}, {self.mode:g}, {self.high:g})"


class Uniform(_Dist):
    """Any value between ``low`` and ``high`` equally likely."""

    dist: Literal["uniform"] = "uniform"
    low: Days
    high: Days

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.low >= self.high:
            raise ValueError(f"uniform needs low < high, got low={self.low}, high={self.high}")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12

    def sample(self, rng: np.random.Generator, size: int | None = None) -> Any:
        return rng.uniform(self.low, self.high, size)

    def __repr__(self) -> str:
        return f"Uniform({self.low:g}, {self.high:g})"


class Empirical(_Dist):
    """Resample observed values (optionally weighted), e.g. past times to fill."""

    dist: Literal["empirical"] = "empirical"
    values: Annotated[list[Days], Field(min_length=1, max_length=100_000)]
    weights: (
        list[Annotated[float, Field(ge=0, le=MAX_EMPIRICAL_WEIGHT, allow_inf_nan=False)]] | None
    ) = None

    @model_validator(mode="after")
    def _weights_match(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"empirical weights must have one entry per value "
                    f"({len(self.values)}), got {len(self.weights)}"
                )
            if sum(self.weights) <= 0:
                raise ValueError("empirical weights must not all be zero")
        return self

    def _probabilities(self) -> np.ndarray:
        if self.weights is None:
            return np.full(len(self.values), 1 / len(self.values))
        w = np.asarray(self.weights, dtype=float)
        return w / w.sum()

    @property
    def mean(self) -> float:
        return float(np.dot(self._probabilities(), self.values))

    @property
    def variance(self) -> float:
        p, v = self._probabilities(), np.asarray(self.values, dtype=float)
        return float(np.dot(p, (v - np.dot(p, v)) ** 2))

    def sample(self, rng: np.random.Generator, size: int | None = None) -> Any:
        return rng.choice(np.asarray(self.values, dtype=float), size=size, p=self._probabilities())

    def __repr__(self) -> str:
        return f"Empirical(n={len(self.values)}, mean={self.mean:g})"


def _number_means_fixed(value: Any) -> Any:
    """A bare number is a fixed delay; anything else must be a mapping naming its ``dist``."""
    if isinstance(value, BaseModel):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, dict)):
        raise ValueError(
            "expected a number of days or a distribution mapping such as "
            f"{{dist: lognormal, mean: 12, sd: 4}}, not {type(value).__name__}"
        )
    if isinstance(value, (int, float)):
        return {"dist": "fixed", "value": value}
    if "dist" not in value:
        raise ValueError(
            f"a distribution mapping needs a `dist` key, one of {', '.join(DISTRIBUTION_NAMES)} "
            f"(or write a plain number for a fixed delay); got keys {sorted(map(str, value))}"
        )
    return value


Distribution = Annotated[
    Fixed | Exponential | LogNormal | Triangular | Uniform | Empirical,
    Field(discriminator="dist"),
    BeforeValidator(_number_means_fixed),
]
"""A duration distribution; a bare number in a scenario file means ``fixed``."""

DISTRIBUTION_NAMES: tuple[str, ...] = tuple(
    get_args(member.model_fields["dist"].annotation)[0]
    for member in get_args(get_args(Distribution)[0])
)
"""The ``dist`` names a scenario may write, in the order of the :data:`Distribution` union
(read from it, so a new member is named everywhere at once)."""
