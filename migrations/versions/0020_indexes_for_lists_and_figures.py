"""indexes found missing by EXPLAIN on a large database (tests/api/test_query_plans.py)

Revision ID: 0020
Revises: 0015
Create Date: 2026-12-01 01:20:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0015'
branch_labels = None
depends_on = None

# Each list of factory records pages through its own order (server.services.entities, _index_list_order).
LIST_ORDER = {
    'purchase_orders': ['order_date', 'po_number', 'id'],
    'purchase_order_lines': ['created_at', 'id'],
    'milestone_events': ['occurred_on', 'server_version', 'id'],
    'inspections': ['planned_date', 'created_at', 'id'],
    'inspection_items': ['created_at', 'id'],
    'inspection_defects': ['created_at', 'id'],
    'measurement_results': ['created_at', 'id'],
    'checklist_results': ['created_at', 'id'],
    'photos': ['created_at', 'id'],
}

# Designers' and managers' pulls of the records they created (server.services.entities, _index_pull_of_own_records).
OWN_RECORDS = ('purchase_orders', 'purchase_order_lines', 'production_orders', 'milestone_events', 'inspections',
               'inspection_items', 'inspection_defects', 'measurement_results', 'checklist_results', 'photos')
# The figures' filters on the rollups (server.models.analytics, FILTERED_BY).
ROLLUPS = ('figure_rollups', 'defect_rollups')
FILTERED_BY = ('factory_id', 'inspector_id', 'style_id', 'category', 'inspection_type')


def _indexes():
    for table, columns in LIST_ORDER.items():
        yield f'ix_{table}_list_order', table, columns
    for table in OWN_RECORDS:
        yield f'ix_{table}_created_by_id_server_version', table, ['created_by_id', 'server_version']
    for table in ROLLUPS:
        for column in FILTERED_BY:
            yield f'ix_{table}_{column}_kind_day', table, [column, 'kind', 'day']


def upgrade():
    for name, table, columns in _indexes():
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _columns in reversed(list(_indexes())):
        op.drop_index(name, table_name=table)
