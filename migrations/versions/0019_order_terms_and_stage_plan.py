"""purchase orders' season, incoterm and in-warehouse date; production orders' split and stage plan

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-01 00:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0017'
branch_labels = None
depends_on = None

INCOTERMS = ('EXW', 'FCA', 'CPT', 'CIP', 'DAP', 'DPU', 'DDP', 'FAS', 'FOB', 'CFR', 'CIF')
INCOTERM_CHECK = "incoterm IS NULL OR incoterm IN (" + ", ".join(f"'{term}'" for term in INCOTERMS) + ")"


def upgrade():
    # Nullable columns (and one with a constant default): ALTER TABLE ... ADD COLUMN on both backends, no table
    # rebuild (a rebuilt parent table on SQLite would take its children's rows with it; see 0014).
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite cannot add a constraint to an existing table, but takes one with the column it adds.
        op.execute('ALTER TABLE purchase_orders ADD COLUMN incoterm VARCHAR(3) '
                   f'CONSTRAINT ck_purchase_orders_incoterm CHECK ({INCOTERM_CHECK})')
    else:
        op.add_column('purchase_orders', sa.Column('incoterm', sa.String(length=3), nullable=True))
        op.create_check_constraint('ck_purchase_orders_incoterm', 'purchase_orders', INCOTERM_CHECK)
    op.add_column('purchase_orders', sa.Column('season', sa.String(length=16), nullable=True))
    op.create_index(op.f('ix_purchase_orders_season'), 'purchase_orders', ['season'], unique=False)
    op.add_column('purchase_order_lines', sa.Column('in_warehouse_date', sa.Date(), nullable=True))
    op.add_column('production_orders', sa.Column('factory_line', sa.String(length=40), nullable=True))
    op.add_column('production_orders', sa.Column('colourway', sa.String(length=80), nullable=True))
    op.add_column('production_orders', sa.Column('ex_factory_date', sa.Date(), nullable=True))
    op.add_column('production_orders', sa.Column('stage_plan', sa.JSON(), nullable=False, server_default='{}'))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+); on SQLite the incoterm's CHECK goes with its column.
    op.drop_column('production_orders', 'stage_plan')
    op.drop_column('production_orders', 'ex_factory_date')
    op.drop_column('production_orders', 'colourway')
    op.drop_column('production_orders', 'factory_line')
    op.drop_column('purchase_order_lines', 'in_warehouse_date')
    op.drop_index(op.f('ix_purchase_orders_season'), table_name='purchase_orders')
    op.drop_column('purchase_orders', 'season')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('ck_purchase_orders_incoterm', 'purchase_orders', type_='check')
    op.drop_column('purchase_orders', 'incoterm')
