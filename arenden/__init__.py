"""Ärenden: the five-step brokering case, offers, SDK transfer, the worklist and the access log."""
