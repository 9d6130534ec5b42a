"""Imports every module's models so that ``Base.metadata`` knows all tables.

Alembic's autogenerate and the tests read the metadata from here. A new module adds one line.
"""

from iofs.accounts import models as accounts_models
from iofs.audit import models as audit_models
from iofs.db import Base
from iofs.genebank import models as genebank_models
from iofs.members import models as members_models
from iofs.programmes import models as programmes_models
from iofs.strategy import models as strategy_models

__all__ = ["Base", "accounts_models", "audit_models", "genebank_models",
           "members_models", "programmes_models", "strategy_models"]
