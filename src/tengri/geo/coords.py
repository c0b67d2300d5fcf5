"""Coordinates: validation and the local metric projection used for border distances."""

import math
from dataclasses import dataclass

from tengri.core.errors import InvalidInput

EARTH_RADIUS_M = 6_371_008.8
# Centre of the Khan Tengri / Tien Shan area of interest. An equirectangular projection centred here
# is within 1.5 % in scale between 41.5 and 43.5 N, which is ample for the border-accuracy decisions.
PROJECTION_LAT = 42.5


@dataclass(frozen=True)
class LatLon:
    lat: float
    lon: float


def parse_lat_lon(lat_text: str, lon_text: str) -> LatLon:
    """Parse user-typed coordinates (decimal degrees, WGS 84); raise `InvalidInput` with a clear reason."""
    lat = _parse_degrees("latitude", lat_text)
    lon = _parse_degrees("longitude", lon_text)
    return checked_lat_lon(lat, lon)


def checked_lat_lon(lat: float, lon: float) -> LatLon:
    if not math.isfinite(lat) or not -90 <= lat <= 90:
        raise InvalidInput(f"latitude {lat} is out of range (-90 to 90)")
    if not math.isfinite(lon) or not -180 <= lon <= 180:
        raise InvalidInput(f"longitude {lon} is out of range (-180 to 180)")
    return LatLon(lat, lon)


def _parse_degrees(what: str, text: str) -> float:
    try:
        return float(str(text).strip().replace(",", "."))
    except ValueError:
        raise InvalidInput(f"{what} {text!r} is not a number (decimal degrees, e.g. 42.2108)") from None


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def project_m(lon, lat):
    """Equirectangular metres around `PROJECTION_LAT`; works on floats and numpy arrays alike."""
    scale = EARTH_RADIUS_M * math.pi / 180
    return lon * scale * math.cos(math.radians(PROJECTION_LAT)), lat * scale
