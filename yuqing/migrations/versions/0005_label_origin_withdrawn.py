"""labels from the 待标注 queue: where each label came from, the model's score then, undone labels kept but withdrawn

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 05:00:00
"""
from alembic import op
import sqlalchemy as sa
import yuqing.models


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('label_corrections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=20), server_default='correction', nullable=False))
        batch_op.add_column(sa.Column('model_score', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', yuqing.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('label_corrections', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_by')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('model_score')
        batch_op.drop_column('origin')
