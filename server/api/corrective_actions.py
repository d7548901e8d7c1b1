"""Corrective actions (CAPA), scoped by factory: list (?status=, ?factory_id=, ?overdue=), read, answer, verify."""

from server.api.resources import record_blueprint
from server.services import entities

BLUEPRINTS = [
    record_blueprint("corrective_actions", "corrective-actions", entities.CORRECTIVE_ACTIONS,
                     "Corrective actions opened by failed inspections and critical defects: the factory answers "
                     "(root cause, action, evidence), QC verifies and closes or sends back. Status changes follow "
                     "the served corrective_action_transitions; a refused one is 409 invalid_transition or 403 "
                     "forbidden_transition."),
]
