"""Reproducible scenario generators: each builds its lists from a seed and writes them as CSV
files beside a scenario.yaml."""
