"""HTTP views: one flask-smorest Blueprint per resource. Views parse, authorise and call the
services (:mod:`api.claims`, :mod:`api.jobs`, :mod:`api.records`); they hold no solving logic."""

from api.views import audit_log, claims, intake, lists, open311, orders, scenarios, solves, tokens

BLUEPRINTS = (
    scenarios.blp,
    *lists.BLUEPRINTS,
    orders.blp,
    claims.blp,
    solves.blp,
    tokens.blp,
    audit_log.blp,
    intake.blp,
    open311.blp,
)
