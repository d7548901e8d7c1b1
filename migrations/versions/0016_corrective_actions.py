"""corrective actions (CAPA), one per failed inspection, and evidence photos linked to them

Revision ID: 0016
Revises: 0019
Create Date: 2026-12-01 00:40:00

"""
import sqlalchemy as sa
from alembic import op

from server.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'corrective_actions',
        sa.Column('inspection_id', sa.Uuid(), nullable=False),
        sa.Column('factory_id', sa.Uuid(), nullable=False),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('problem', sa.Text(), nullable=True),
        sa.Column('root_cause', sa.Text(), nullable=True),
        sa.Column('action', sa.Text(), nullable=True),
        sa.Column('owner', sa.String(length=200), nullable=True),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('evidence_notes', sa.Text(), nullable=True),
        sa.Column('verified_by_id', sa.Uuid(), nullable=True),
        sa.Column('verified_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('verification_note', sa.Text(), nullable=True),
        sa.Column('reinspection_id', sa.Uuid(), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('deleted_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('server_version', sa.BigInteger(), nullable=False),
        sa.Column('field_versions', sa.JSON(), nullable=False),
        sa.Column('echo_client_id', sa.String(length=64), nullable=True),
        sa.Column('created_by_id', sa.Uuid(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'in_progress', 'awaiting_verification', 'closed')",
                           name=op.f('ck_corrective_actions_status')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_corrective_actions_created_by_id_users')),
        sa.ForeignKeyConstraint(['factory_id'], ['factories.id'], name=op.f('fk_corrective_actions_factory_id_factories')),
        sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'],
                                name=op.f('fk_corrective_actions_inspection_id_inspections')),
        sa.ForeignKeyConstraint(['reinspection_id'], ['inspections.id'],
                                name=op.f('fk_corrective_actions_reinspection_id_inspections')),
        sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'],
                                name=op.f('fk_corrective_actions_verified_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_corrective_actions')),
        sa.UniqueConstraint('inspection_id', name=op.f('uq_corrective_actions_inspection_id')),
    )
    op.create_index(op.f('ix_corrective_actions_factory_id'), 'corrective_actions', ['factory_id'])
    op.create_index(op.f('ix_corrective_actions_due_date'), 'corrective_actions', ['due_date'])
    op.create_index(op.f('ix_corrective_actions_server_version'), 'corrective_actions', ['server_version'])
    op.create_index('ix_corrective_actions_factory_id_server_version', 'corrective_actions',
                    ['factory_id', 'server_version'])
    # Evidence photos: a photo may belong to a corrective action, as one of kind "evidence". SQLite changes a
    # CHECK constraint and adds a foreign key only by rebuilding the table (batch mode copies it).
    with op.batch_alter_table('photos', recreate='auto') as batch_op:
        batch_op.add_column(sa.Column('corrective_action_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_photos_corrective_action_id'), ['corrective_action_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_photos_corrective_action_id_corrective_actions'),
                                    'corrective_actions', ['corrective_action_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('ck_photos_kind'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_photos_kind'), "kind IN ('defect', 'inspection', 'milestone', 'signature', 'evidence')")


def downgrade():
    with op.batch_alter_table('photos', recreate='auto') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_photos_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_photos_kind'),
                                         "kind IN ('defect', 'inspection', 'milestone', 'signature')")
        batch_op.drop_constraint(batch_op.f('fk_photos_corrective_action_id_corrective_actions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_photos_corrective_action_id'))
        batch_op.drop_column('corrective_action_id')
    op.drop_table('corrective_actions')
