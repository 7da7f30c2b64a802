"""Errors sprn raises for bad input.

Each message names the file (or source), the field, the value and what was expected, so
the command line can print it as one line and exit with status 2.
"""

from __future__ import annotations


class SprnError(Exception):
    """Base class of sprn's input errors."""


class ScenarioError(SprnError):
    """A scenario file (or a value in it) is not what sprn expects."""


class DataError(SprnError):
    """A data file (sites, missiles, measurements, territory) is malformed."""


class ShotError(SprnError):
    """A requested shot cannot be flown (unknown missile, unreachable range, ...)."""


def field_error(
    cls: type[SprnError], source: str, field: str, value: object, expected: str
) -> SprnError:
    """Build an error whose message reads ``source: field = value: expected ...``."""
    return cls(f"{source}: {field} = {value!r}: expected {expected}")
