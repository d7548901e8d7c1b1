"""who wrote each record as sent, so that client's pulls skip it (no echo)

Revision ID: 0014
Revises: 0008
Create Date: 2026-11-30 20:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0008'
branch_labels = None
depends_on = None

# Every versioned table (server.models.base.Versioned).
TABLES = ('aql_defaults', 'checklist_results', 'checklist_templates', 'defect_types', 'factories',
          'factory_assignments', 'inspection_defects', 'inspection_items', 'inspections', 'measurement_results',
          'measurement_specs', 'milestone_events', 'photos', 'production_orders', 'purchase_order_lines',
          'purchase_orders', 'styles', 'tech_pack_versions', 'users')


def upgrade():
    # A nullable column with no default: an ALTER TABLE on every backend, no table rewrite.
    for table in TABLES:
        op.add_column(table, sa.Column('echo_client_id', sa.String(length=64), nullable=True))


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35+): a batch table rebuild of `users` would cascade deletes to its children.
    for table in TABLES:
        op.drop_column(table, 'echo_client_id')
