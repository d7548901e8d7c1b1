"""design review: defect reviews and their comment threads

Revision ID: 0015
Revises: 0021
Create Date: 2026-12-01 00:45:00

"""
import sqlalchemy as sa
from alembic import op

from server.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('defect_reviews',
    sa.Column('inspection_id', sa.Uuid(), nullable=False),
    sa.Column('factory_id', sa.Uuid(), nullable=False),
    sa.Column('style_id', sa.Uuid(), nullable=False),
    sa.Column('defect_type_id', sa.Uuid(), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('root_cause', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('fix_tech_pack_version_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('server_version', sa.BigInteger(), nullable=False),
    sa.Column('field_versions', sa.JSON(), nullable=False),
    sa.Column('echo_client_id', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.CheckConstraint("root_cause IS NULL OR root_cause IN ('design_pattern', 'material', 'trims', 'workmanship', 'packing', 'measurement_spec')", name=op.f('ck_defect_reviews_root_cause')),
    sa.CheckConstraint("severity IN ('critical', 'major', 'minor')", name=op.f('ck_defect_reviews_severity')),
    sa.CheckConstraint("status IN ('new', 'acknowledged', 'action_in_tech_pack', 'resolved', 'wont_fix')", name=op.f('ck_defect_reviews_status')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_defect_reviews_created_by_id_users')),
    sa.ForeignKeyConstraint(['defect_type_id'], ['defect_types.id'], name=op.f('fk_defect_reviews_defect_type_id_defect_types')),
    sa.ForeignKeyConstraint(['factory_id'], ['factories.id'], name=op.f('fk_defect_reviews_factory_id_factories')),
    sa.ForeignKeyConstraint(['fix_tech_pack_version_id'], ['tech_pack_versions.id'], name=op.f('fk_defect_reviews_fix_tech_pack_version_id_tech_pack_versions')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_defect_reviews_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['style_id'], ['styles.id'], name=op.f('fk_defect_reviews_style_id_styles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_defect_reviews'))
    )
    op.create_index(op.f('ix_defect_reviews_factory_id'), 'defect_reviews', ['factory_id'], unique=False)
    op.create_index('ix_defect_reviews_factory_id_server_version', 'defect_reviews', ['factory_id', 'server_version'], unique=False)
    op.create_index(op.f('ix_defect_reviews_fix_tech_pack_version_id'), 'defect_reviews', ['fix_tech_pack_version_id'], unique=False)
    op.create_index('ix_defect_reviews_group', 'defect_reviews', ['inspection_id', 'defect_type_id', 'severity', 'style_id'], unique=False)
    op.create_index(op.f('ix_defect_reviews_inspection_id'), 'defect_reviews', ['inspection_id'], unique=False)
    op.create_index(op.f('ix_defect_reviews_server_version'), 'defect_reviews', ['server_version'], unique=False)
    op.create_index(op.f('ix_defect_reviews_style_id'), 'defect_reviews', ['style_id'], unique=False)
    op.create_table('review_comments',
    sa.Column('review_id', sa.Uuid(), nullable=False),
    sa.Column('factory_id', sa.Uuid(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('server_version', sa.BigInteger(), nullable=False),
    sa.Column('field_versions', sa.JSON(), nullable=False),
    sa.Column('echo_client_id', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_review_comments_created_by_id_users')),
    sa.ForeignKeyConstraint(['factory_id'], ['factories.id'], name=op.f('fk_review_comments_factory_id_factories')),
    sa.ForeignKeyConstraint(['review_id'], ['defect_reviews.id'], name=op.f('fk_review_comments_review_id_defect_reviews')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_comments'))
    )
    op.create_index(op.f('ix_review_comments_factory_id'), 'review_comments', ['factory_id'], unique=False)
    op.create_index('ix_review_comments_factory_id_server_version', 'review_comments', ['factory_id', 'server_version'], unique=False)
    op.create_index(op.f('ix_review_comments_review_id'), 'review_comments', ['review_id'], unique=False)
    op.create_index(op.f('ix_review_comments_server_version'), 'review_comments', ['server_version'], unique=False)


def downgrade():
    op.drop_table('review_comments')
    op.drop_table('defect_reviews')
