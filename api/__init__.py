"""The open read-only JSON API under /api/v1/ (django-ninja): lägesbild figures and catalogue data for other systems."""
