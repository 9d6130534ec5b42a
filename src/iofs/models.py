"""Every module's tables in ``Base.metadata``, from the module list.

Alembic's autogenerate and the tests read the metadata from here; a module names its models
in its manifest (``Module(models=...)``), so nothing is added here for a new module.
"""

from iofs.db import Base
from iofs.modules import load_models

load_models()

__all__ = ["Base"]
