"""The rules of matching, each once: what it says ("Hard:" or "Soft:" in its docstring), the function
that writes it into the engine-neutral model (``add_*``, into a :class:`~matcher.rules.model.ModelBuilder`)
and the ``check_*`` that tells whether a plan keeps it.

| rule | module |
|---|---|
| Hard: a need takes all its providers or none | :mod:`matcher.rules.providers` |
| Hard: a resource's hours and task count | :mod:`matcher.rules.capacity` |
| Hard: a binding pairing's (结对) minimum | :mod:`matcher.rules.pairing` |
| Hard: a required need (必须服务) is served | :mod:`matcher.rules.required` |
| Hard: each community's minimum share; Soft: the worst community's coverage (equity) | :mod:`matcher.rules.shares` |
| Soft: urgency levels first, value, load balancing | :mod:`matcher.rules.objective` |
| Hard: who may claim an order's slot (认领) | :mod:`matcher.rules.claims` |

:func:`matcher.rules.check.check_plan` checks a plan against every hard rule of the core model;
which pairs are candidates at all (skills, reach, slots, deadlines) is :mod:`matcher.candidates`.
The project model (:mod:`matcher.projects.model`) writes its own CP-SAT rows for orders and venues
and names its pairing minimums with :func:`matcher.rules.pairing.pairing_rule_name`.
"""
