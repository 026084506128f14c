"""Lägesbild: register imports (SPOR, NCR, Väntetidsdatabasen), the comparison table, the unit view and waiting
times.
"""
