"""Scenario generators: each builds a case's lists reproducibly from a seed and writes them."""
