"""overdue announcements: a corrective action announced as overdue once per due date

Revision ID: 0021
Revises: 0016
Create Date: 2026-12-01 01:30:00

"""
import sqlalchemy as sa
from alembic import op

import server.models.base  # custom column types

revision = '0021'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('overdue_announcements',
    sa.Column('corrective_action_id', sa.Uuid(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('announced_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['corrective_action_id'], ['corrective_actions.id'],
                            name=op.f('fk_overdue_announcements_corrective_action_id_corrective_actions'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('corrective_action_id', 'due_date', name=op.f('pk_overdue_announcements'))
    )


def downgrade():
    op.drop_table('overdue_announcements')
