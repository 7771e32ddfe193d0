"""Live dispatch (派单): needs that arrive one at a time — by hotline, window or Open311 — are
placed in seconds without upsetting the published plan.

- :mod:`pairs`: the candidate pairs of one arriving need, level by level (community, street,
  district: 吹哨报到), through the core's own candidate rules;
- :mod:`ledger`: the live plan — who serves whom, what is published (pinned), residual capacity;
- :mod:`recommend`: the top k resources for a new need, each with arrival, objective change
  and the assignments it would move; accepting publishes one;
- :mod:`replan`: a re-solve that keeps published assignments and pays a cost per moved one;
- :mod:`intake`: arrivals checked like a file's rows;
- :mod:`replay`: a day or a week of arrivals through the dispatcher, against hindsight.
"""
