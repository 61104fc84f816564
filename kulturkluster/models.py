"""Imports every table module, so the metadata is complete (for Alembic and the test schema)."""

from cases import models as cases_models  # noqa: F401
from cases import notice_models  # noqa: F401
from inbound import models as inbound_models  # noqa: F401
from mailer import campaign_models  # noqa: F401
from mailer import models as mailer_models  # noqa: F401
from subscribers import models as subscribers_models  # noqa: F401

from . import accounts  # noqa: F401
from .db import Base

metadata = Base.metadata
