"""Avtal: agreements, their lines, prices and volume caps, the agreement upload and the volume held by cases."""
