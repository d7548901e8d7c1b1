"""the design-review queue's rollup of defect groups (server.models.analytics.DefectGroup), back-filled from the
finalized inspections already recorded

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 03:45:00

"""
import sqlalchemy as sa
from alembic import op

import server.models.base

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

# name -> columns; the queue's order first, then one index per filter that keeps few groups.
INDEXES = {
    'ix_defect_groups_queue_order': ['style_number', 'style_id', 'severity_rank', sa.text('finished_at DESC'),
                                     'defect_code', 'inspection_id'],
    'ix_defect_groups_style_id': ['style_id'],
    'ix_defect_groups_defect_type_id': ['defect_type_id'],
    'ix_defect_groups_factory_id': ['factory_id'],
    'ix_defect_groups_finished_at': ['finished_at'],
    'ix_defect_groups_category': ['category'],
    'ix_defect_groups_defect_category': ['defect_category'],
}

# What rollups.rebuild computes, in plain SQL (the same on SQLite and PostgreSQL): each live defect of a finalized,
# live inspection, once per style the inspection covered (its items' styles and its tech pack's), grouped.
BACKFILL = """
INSERT INTO defect_groups (inspection_id, style_id, defect_type_id, severity, count, factory_id, finished_at,
                           severity_rank, style_number, season, category, defect_code, defect_category)
SELECT i.id, covered.style_id, d.defect_type_id, d.severity, COUNT(*), i.factory_id, i.finished_at,
       CASE d.severity WHEN 'critical' THEN 0 WHEN 'major' THEN 1 ELSE 2 END,
       s.style_number, s.season, s.category, t.code, t.category
FROM inspection_defects d
JOIN inspections i ON i.id = d.inspection_id
JOIN (SELECT inspection_id, style_id FROM inspection_items WHERE deleted_at IS NULL
      UNION
      SELECT x.id, p.style_id FROM inspections x JOIN tech_pack_versions p ON p.id = x.tech_pack_version_id
      ) covered ON covered.inspection_id = i.id
JOIN styles s ON s.id = covered.style_id
JOIN defect_types t ON t.id = d.defect_type_id
WHERE d.deleted_at IS NULL AND i.status = 'finalized' AND i.deleted_at IS NULL
GROUP BY i.id, covered.style_id, d.defect_type_id, d.severity, i.factory_id, i.finished_at,
         s.style_number, s.season, s.category, t.code, t.category
"""


def upgrade():
    op.create_table(
        'defect_groups',
        sa.Column('inspection_id', sa.Uuid(), nullable=False),
        sa.Column('style_id', sa.Uuid(), nullable=False),
        sa.Column('defect_type_id', sa.Uuid(), nullable=False),
        sa.Column('severity', sa.String(length=10), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('factory_id', sa.Uuid(), nullable=False),
        sa.Column('finished_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('severity_rank', sa.Integer(), nullable=False),
        sa.Column('style_number', sa.String(length=40), nullable=False),
        sa.Column('season', sa.String(length=16), nullable=True),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('defect_code', sa.String(length=32), nullable=False),
        sa.Column('defect_category', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('inspection_id', 'style_id', 'defect_type_id', 'severity',
                                name=op.f('pk_defect_groups')))
    for name, columns in INDEXES.items():
        op.create_index(name, 'defect_groups', columns, unique=False)
    op.execute(BACKFILL)


def downgrade():
    for name in reversed(list(INDEXES)):
        op.drop_index(name, table_name='defect_groups')
    op.drop_table('defect_groups')
