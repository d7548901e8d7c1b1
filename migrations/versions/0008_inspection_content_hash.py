"""inspection content hash and analytics rollups

Revision ID: 0008
Revises: 0004
Create Date: 2026-11-30 17:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def _key_columns():
    return [
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('factory_id', sa.Uuid(), nullable=False),
        sa.Column('inspection_type', sa.String(length=20), nullable=False),
        sa.Column('inspector_id', sa.Uuid(), nullable=True),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('style_id', sa.Uuid(), nullable=True),
        sa.Column('category', sa.String(length=32), nullable=True),
    ]


def upgrade():
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_hash', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_inspections_finished_at', ['finished_at'], unique=False)
        batch_op.create_index('ix_inspections_verdict_finished_at', ['verdict', 'finished_at'], unique=False)
    op.create_table('figure_rollups', *_key_columns(),
                    sa.Column('inspections', sa.Integer(), nullable=False),
                    sa.Column('passed', sa.Integer(), nullable=False),
                    sa.Column('original_inspections', sa.Integer(), nullable=False),
                    sa.Column('original_passed', sa.Integer(), nullable=False),
                    sa.Column('units_inspected', sa.Integer(), nullable=False),
                    sa.Column('defects', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_figure_rollups')))
    op.create_index('ix_figure_rollups_kind_day', 'figure_rollups',
                    ['kind', 'day', 'factory_id', 'inspection_type', 'style_id', 'category', 'inspector_id',
                     'inspections', 'passed', 'original_inspections', 'original_passed', 'units_inspected', 'defects'],
                    unique=False)
    op.create_table('defect_rollups', *_key_columns(),
                    sa.Column('defect_type_id', sa.Uuid(), nullable=False),
                    sa.Column('count', sa.Integer(), nullable=False),
                    sa.Column('critical', sa.Integer(), nullable=False),
                    sa.Column('major', sa.Integer(), nullable=False),
                    sa.Column('minor', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_defect_rollups')))
    op.create_index('ix_defect_rollups_kind_day', 'defect_rollups',
                    ['kind', 'day', 'defect_type_id', 'factory_id', 'inspection_type', 'style_id', 'category',
                     'inspector_id', 'count', 'critical', 'major', 'minor'], unique=False)


def downgrade():
    op.drop_index('ix_defect_rollups_kind_day', table_name='defect_rollups')
    op.drop_table('defect_rollups')
    op.drop_index('ix_figure_rollups_kind_day', table_name='figure_rollups')
    op.drop_table('figure_rollups')
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index('ix_inspections_verdict_finished_at')
        batch_op.drop_index('ix_inspections_finished_at')
        batch_op.drop_column('content_hash')
