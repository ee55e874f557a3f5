"""Geography: the handbook's 100x100 grid placed on a real region, and great-circle distances.

The handbook draws customers and terminals uniformly on an abstract 100x100 grid. The platform needs
latitudes and longitudes (events carry them, rules use distances in km), so the grid is mapped linearly
onto a region of about 500 km x 500 km whose south-west corner is ``origin``: one grid unit = 5 km.
"""

import math
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
KM_PER_DEG_LAT = math.pi * EARTH_RADIUS_KM / 180.0


@dataclass(frozen=True, slots=True, kw_only=True)
class GridProjection:
    """Linear map between grid units (x east, y north) and degrees.

    Longitude degrees are scaled with the cosine of the region's central latitude, so distances are
    close to ``size_km`` both ways (within ~1 % over 500 km at mid-latitudes).
    """

    origin_lat: float = 45.0
    origin_lon: float = 5.0
    size_km: float = 500.0
    grid_size: float = 100.0

    @property
    def km_per_unit(self) -> float:
        return self.size_km / self.grid_size

    @property
    def deg_lat_per_unit(self) -> float:
        return self.km_per_unit / KM_PER_DEG_LAT

    @property
    def deg_lon_per_unit(self) -> float:
        centre_lat = self.origin_lat + self.deg_lat_per_unit * self.grid_size / 2
        return self.km_per_unit / (KM_PER_DEG_LAT * math.cos(math.radians(centre_lat)))

    def to_latlon(self, x, y):
        """Grid ``(x, y)`` -> ``(lat, lon)``; works on floats and on numpy arrays."""
        return self.origin_lat + y * self.deg_lat_per_unit, self.origin_lon + x * self.deg_lon_per_unit

    def to_grid(self, lat, lon):
        """``(lat, lon)`` -> grid ``(x, y)``; the inverse of ``to_latlon``."""
        x = (lon - self.origin_lon) / self.deg_lon_per_unit
        return x, (lat - self.origin_lat) / self.deg_lat_per_unit


DEFAULT_PROJECTION = GridProjection()


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees (scalar, hot-path friendly)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def haversine_km_array(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Vectorised ``haversine_km`` over numpy arrays (same formula, for the simulator and batch jobs)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))
