"""Network analysis of a scenario: the governance graph, escalation (吹哨报到) and diagnostics.

This package reads problems and results; the solver modules never import it. Escalation calls
the core :func:`matcher.solvers.solve` on level-restricted problems instead of changing it.
"""
