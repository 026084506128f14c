"""Regions' waiting lists (issue 17): import, sealed identity, who is at risk of missing the care guarantee."""
