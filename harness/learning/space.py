"""Declared hyperparameter search spaces.

A method declares its space beside its code with the paper's defaults::

    space = {
        "lr": Float(1e-4, 1e-2, default=1e-3, log=True),
        "hidden": Int(32, 256, default=120, log=True),
        "activation": Categorical(("relu", "tanh"), default="relu"),
    }

The core uses the defaults for untuned runs and turns the same declaration
into Optuna suggestions when tuning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.errors import HarnessError, did_you_mean


@dataclass(frozen=True)
class Float:
    low: float
    high: float
    default: float
    log: bool = False

    def suggest(self, trial, name: str) -> float:
        return trial.suggest_float(name, self.low, self.high, log=self.log)

    def parse(self, text: str) -> float:
        return float(text)

    def check(self, value) -> None:
        if not self.low <= value <= self.high:
            raise ValueError(f"{value} is outside the declared range [{self.low}, {self.high}]")


@dataclass(frozen=True)
class Int:
    low: int
    high: int
    default: int
    log: bool = False

    def suggest(self, trial, name: str) -> int:
        return trial.suggest_int(name, self.low, self.high, log=self.log)

    def parse(self, text: str) -> int:
        return int(text)

    def check(self, value) -> None:
        if value != int(value) or not self.low <= value <= self.high:
            raise ValueError(f"{value} is not an integer or is outside the declared range "
                             f"[{self.low}, {self.high}]")


@dataclass(frozen=True)
class Categorical:
    choices: tuple
    default: Any

    def suggest(self, trial, name: str):
        return trial.suggest_categorical(name, list(self.choices))

    def parse(self, text: str):
        for choice in self.choices:
            if str(choice) == text:
                return choice
        raise ValueError(f"{text!r} is not one of {list(self.choices)}")

    def check(self, value) -> None:
        if value not in self.choices:
            raise ValueError(f"{value!r} is not one of {list(self.choices)}")


Param = Float | Int | Categorical


def defaults(space: dict[str, Param]) -> dict[str, Any]:
    return {name: p.default for name, p in space.items()}


def suggest(trial, space: dict[str, Param]) -> dict[str, Any]:
    """One Optuna trial's draw from the space."""
    return {name: p.suggest(trial, name) for name, p in space.items()}


def resolve(method: str, space: dict[str, Param], overrides: dict[str, Any]) -> dict[str, Any]:
    """Defaults updated with ``overrides`` (strings are parsed); unknown names and
    values outside the declared space are errors."""
    unknown = set(overrides) - set(space)
    if unknown:
        hint = "".join(did_you_mean(name, space) for name in sorted(unknown))
        raise HarnessError(
            f"method {method!r} has no hyperparameter(s) {sorted(unknown)}{hint}; known: {sorted(space)}"
        )
    values = defaults(space)
    for name, value in overrides.items():
        try:
            values[name] = space[name].parse(value) if isinstance(value, str) else value
            space[name].check(values[name])
        except ValueError as exc:
            raise HarnessError(f"method {method!r}, hyperparameter {name}: {exc}") from None
    return values
