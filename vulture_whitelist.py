# ruff: noqa
"""Names vulture reports as unused that are used, by a framework or by name (vulture reads this file
as code: each line "uses" the name). Check: ``vulture matcher api vulture_whitelist.py --min-confidence 60``.

Made with ``vulture --make-whitelist`` and pruned: every entry below was checked with grep; genuinely dead
code was removed instead.
"""

_ = object()

# Flask: error handlers, JSON settings and the session interface registered by decorator or
# assignment (api/errors.py, api/__init__.py, api/web/__init__.py).
_.ensure_ascii
_.session_interface
_field_error
_scenario_error
_matcher_error
_database_unavailable
_unexpected

# SQLAlchemy event hooks registered with @event.listens_for, and DBAPI connection settings (api/db.py).
_connect
_.isolation_level
_.autocommit
_.is_disconnect
_begin
_idle_from
_ping

# SQLAlchemy: a TypeDecorator's hooks and the declarative base's type map (api/models.py); columns
# written by the ORM and read back through the marshmallow schemas.
impl
cache_ok
_.process_result_value
type_annotation_map
requested_by
decided_at
_.decided_at
renewed_at
_.renewed_at

# Alembic reads these module attributes of every revision (api/migrations/versions/*, frozen history).
down_revision
branch_labels
depends_on
downgrade

# flask-smorest: the Blueprint's parser hook (api/parser.py) and MethodView classes registered by
# @blp.route (api/views/*); their HTTP methods are called by name.
ARGUMENTS_PARSER
AuditLog
OrderClaims
ClaimById
UnitClaims
ClaimTransfers
TransferById
TransferAccept
TransferDecline
Arrivals
Recommendations
Accept
Unpin
Records
RecordById
_.patch
ListById
Services
ServiceDefinition
Requests
RequestById
Orders
OrderById
OrderStage
OrderCancel
Scenarios
ScenarioById
Solves
SolveById
SolveResult
SolveUnmatched
Tokens

# werkzeug: a URL converter's pattern (api/views/common.py).
regex

# marshmallow: a @pre_load hook (api/schemas.py), a @validates_schema hook (api/views/intake.py) and response fields dumped by name (api/schemas.py,
# api/views/intake.py).
_._storable
_.one_of
unmatched_by_reason
routing_minutes
milliseconds
objective_change
unconstrained_objective

# Loaded by name: granian imports "api.wsgi:serve_app" (matcher/cli/serve.py); a module __getattr__
# imports lazily (matcher/projects/__init__.py).
serve_app
__getattr__

# Record fields parsed from the lists and shown back through dataclasses.asdict (matcher/domain.py):
# a project's department (主管部门) and a given pair's load (read as fields["load_minutes"] in
# matcher/given_pairs.py).
department
load_minutes

# A grid's households per visit tier, read by the tier's name (matcher/areas.py VISIT_TIERS).
special
regular
ordinary
general

# openpyxl: a cell's type, set to keep text as text (matcher/files.py).
_.data_type

# OR-Tools CP-SAT: solver parameters set by attribute, and the solution callback it calls.
_.max_time_in_seconds
_.num_workers
_.random_seed
_.relative_gap_limit
_.on_solution_callback

# Enum members: parsed from the lists' text (Vocabulary.parse) or reported by value, not named in code.
_._value_
NOT_WORTHWHILE
TOO_FEW_PROVIDERS
HEURISTIC
STABLE
EMERGENCY
UTILITIES
COMPLEX
VOLUNTEER
TALENT
FOREIGNER
SPECIAL
WEEKDAY
EVENING
WEEKEND
SOFT
ELDERLY_CARE
YOUTH
SPORT
VOLUNTEERING
HERITAGE

# Public API used by the tests (vulture reads matcher and api only): ProjectResult.baseline_plan and
# plan_objective (tests/test_projects_properties.py), Result.is_feasible (tests/test_solvers.py),
# Travel.complete_table (tests/test_given_pairs.py), current_revision (tests/api/test_api_migrations.py),
# JobRunner.wait_idle (tests/api/test_web_screens.py, bench/bench_pages.py); PLACED_ORDER_MODES
# (bench/bench_projects.py's choices).
baseline_plan
_.plan_objective
_.is_feasible
_.complete_table
current_revision
_.wait_idle
PLACED_ORDER_MODES
# ... and Ledger.from_result (tests/test_dispatch.py), value_under (tests/test_lab_metrics.py),
# serving_bound (tests/test_network_bound.py), neighbour_graph (tests/test_network_hierarchy.py),
# Serial (tests/test_parallel_parts.py, bench/bench_parts.py): the network and lab library's functions.
_.from_result
value_under
serving_bound
neighbour_graph
Serial

# The workbench (api/web): views registered by @blp route decorators, error handlers, Jinja globals and
# filters registered by decorator, and Page properties read by the templates.
_template_globals
plotly
start_presets
edit
http_error
unexpected
export_xlsx
export_csv
export_lists
here_with
role_label
percent
login
logout
_.pages
_.first_row
_.last_row
place_order
upload

# OR-Tools and HiGHS parameters set by attribute (matcher/solvers/cpsat.py, highs.py).
_.max_deterministic_time
_.user_interrupt

# argparse: HelpFormatter's hooks it calls by name, and the width it lays text out by (matcher/cli/parsing.py).
_split_lines
_._width
