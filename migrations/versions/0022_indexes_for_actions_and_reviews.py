"""the list-order and own-records indexes of 0020 for the records added beside it (corrective actions,
defect reviews and their comments), and the bookings' index

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-01 01:45:00

"""
from alembic import op

revision = '0022'
down_revision = '0020'
branch_labels = None
depends_on = None

# As in 0020: each list's own order, and the pull of a manager's or designer's own records.
LIST_ORDER = {
    'corrective_actions': ['due_date', 'created_at', 'id'],
    'defect_reviews': ['created_at', 'id'],
    'review_comments': ['created_at', 'id'],
}


def _indexes():
    for table, columns in LIST_ORDER.items():
        yield f'ix_{table}_list_order', table, columns
        yield f'ix_{table}_created_by_id_server_version', table, ['created_by_id', 'server_version']


def upgrade():
    for name, table, columns in _indexes():
        op.create_index(name, table, columns)
    # Bookings not started yet, soonest first (server/services/bookings.py).
    op.create_index('ix_inspections_status_planned_date', 'inspections', ['status', 'planned_date'])


def downgrade():
    op.drop_index('ix_inspections_status_planned_date', table_name='inspections')
    for name, table, _columns in _indexes():
        op.drop_index(name, table_name=table)
