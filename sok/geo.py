"""Great-circle distance: the rule lives in the kernel (vardformedling.geo), shared with the patient's offers."""

from vardformedling.geo import EARTH_RADIUS_KM, haversine_km, haversine_km_vektor

__all__ = ["EARTH_RADIUS_KM", "haversine_km", "haversine_km_vektor"]
