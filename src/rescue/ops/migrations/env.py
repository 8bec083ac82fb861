"""Alembic environment: Rescue passes its own engine in, so there is no alembic.ini."""

from __future__ import annotations

from alembic import context

from rescue.ops.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata)
    context.run_migrations()
