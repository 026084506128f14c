"""Katalog: providers (vårdgivare), units (vårdenheter), KVÅ groups, the offering, capacity announcements and the
catalogue import.
"""
