"""MCPD V.2.1 coordinates (descriptors 15.1–15.4): decimal degrees and degrees-minutes-seconds,
each refusal with its reason.

DECLATITUDE/DECLONGITUDE are decimal degrees (north and east positive); LATITUDE is
``DDMMSSH`` and LONGITUDE ``DDDMMSSH`` (H the hemisphere letter: N/S, E/W), a missing minute or
second written ``--`` (Alercia, Diulgheroff & Mackay 2015, MCPD V.2.1, p. 6). Reasons are
English sentences, as every MCPD issue's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_DMS = re.compile(r"^(\d+)([\d-]{2})([\d-]{2})([A-Za-z]?)$")


@dataclass(frozen=True)
class Axis:
    """One axis: its descriptors, bound (degrees), degree digits and hemisphere letters."""

    decimal: str
    dms: str
    name: str
    bound: float
    digits: int
    hemispheres: tuple[str, str]  # (positive, negative)

    @property
    def form(self) -> str:
        """The DMS pattern as the standard writes it."""
        return ("DD" if self.digits == 2 else "DDD") + "MMSSH"


LATITUDE = Axis("DECLATITUDE", "LATITUDE", "latitude", 90.0, 2, ("N", "S"))
LONGITUDE = Axis("DECLONGITUDE", "LONGITUDE", "longitude", 180.0, 3, ("E", "W"))


def number(value: str) -> float | None:
    """``value`` as a number when it is one written plainly (no exponent), else None."""
    return float(value) if NUMBER.match(value) else None


def decimal_degrees(value: str, axis: Axis) -> tuple[float | None, str | None]:
    """(degrees, None) for a valid DECLATITUDE/DECLONGITUDE, else (None, reason)."""
    degrees = number(value)
    if degrees is None:
        return None, f"{value!r} is not a number of decimal degrees"
    if not -axis.bound <= degrees <= axis.bound:
        return None, f"{axis.name} {value} is outside −{axis.bound:g}…{axis.bound:g} degrees"
    return degrees, None


@dataclass(frozen=True)
class Position:
    """A DMS coordinate read: signed decimal degrees, the half-width of its uncertainty
    (degrees: a second, a minute or a degree by the digits given) and whether the hemisphere
    letter was written in lower case (normalised)."""

    degrees: float
    tolerance: float
    lower_case: bool


def dms_degrees(value: str, axis: Axis) -> tuple[Position | None, str | None]:
    """(position, None) for a valid LATITUDE/LONGITUDE, else (None, the reason)."""
    match = _DMS.match(value)
    if match is None:
        hint = (
            f"; {value!r} looks like decimal degrees: put it in {axis.decimal}"
            if number(value) is not None
            else ""
        )
        return None, (
            f"{value!r} is not {axis.form} (H = {'/'.join(axis.hemispheres)}), "
            f"missing digits as '-'{hint}"
        )
    degrees_text, minutes, seconds, hemisphere = match.groups()
    if not hemisphere:
        if number(value) is not None and len(value) <= 4:
            return None, (
                f"{value!r} looks like decimal degrees: put it in {axis.decimal}, "
                f"or write {axis.form}"
            )
        return None, (
            f"{value!r}: hemisphere letter missing (end with "
            f"{' or '.join(axis.hemispheres)}; {axis.form})"
        )
    if hemisphere.upper() not in axis.hemispheres:
        return None, (
            f"{value!r}: the hemisphere of a {axis.name} is "
            f"{' or '.join(axis.hemispheres)} (got {hemisphere})"
        )
    if len(degrees_text) != axis.digits:
        return None, (
            f"{value!r}: {axis.form} has {axis.digits} digits of degrees (got {len(degrees_text)})"
        )
    if ("-" in minutes and minutes != "--") or ("-" in seconds and seconds != "--"):
        return None, f"{value!r}: unknown minutes or seconds are written '--'"
    if minutes == "--" and seconds != "--":
        return None, f"{value!r}: seconds are given without minutes"
    whole = int(degrees_text)
    if whole > axis.bound:
        return None, f"{axis.name} {whole} outside −{axis.bound:g}…{axis.bound:g}"
    degrees, tolerance = float(whole), 1.0
    if minutes != "--":
        if int(minutes) >= 60:
            return None, f"{value!r}: minutes must be below 60 (got {int(minutes)})"
        degrees += int(minutes) / 60
        tolerance = 1 / 60
        if seconds != "--":
            if int(seconds) >= 60:
                return None, f"{value!r}: seconds must be below 60 (got {int(seconds)})"
            degrees += int(seconds) / 3600
            tolerance = 1 / 3600
    if degrees > axis.bound:
        return None, (
            f"{value!r}: {axis.name} {degrees:.4f} outside −{axis.bound:g}…{axis.bound:g}"
        )
    if hemisphere.upper() == axis.hemispheres[1]:
        degrees = -degrees
    return Position(degrees, tolerance, hemisphere != hemisphere.upper()), None
