"""Walking time for a leg by three classic rules, so a reviewer can compare an itinerary's day lengths.

- Tobler's hiking function: speed km/h = 6·exp(−3.5·|dh/dx + 0.05|), summed over the profile's samples.
- Naismith: 12 min per km plus 10 min per 100 m of ascent.
- Munter: hours = (km + |Δh| / 100) / r, r = 4 uphill, 6 flat or downhill (on foot).
"""

import math

import numpy as np


def tobler_hours(distances_km: np.ndarray, altitudes_m: np.ndarray) -> float:
    """Hours along a sampled path (cumulative horizontal km, altitude m at each sample)."""
    step_km = np.diff(distances_km)
    step_rise_m = np.diff(altitudes_m)
    moving = step_km > 0
    slope = step_rise_m[moving] / (step_km[moving] * 1000)
    speed_kmh = 6 * np.exp(-3.5 * np.abs(slope + 0.05))
    return float(np.sum(step_km[moving] / speed_kmh))


def naismith_hours(distance_km: float, ascent_m: float) -> float:
    return distance_km * 12 / 60 + ascent_m / 100 * 10 / 60


def munter_hours(distance_km: float, net_rise_m: float) -> float:
    rate = 4 if net_rise_m > 0 else 6
    return (distance_km + math.fabs(net_rise_m) / 100) / rate
