"""Settings of the GLIS client, from the environment (prefix ``IOFS_GLIS_``).

==========================  ==============================================================
``IOFS_GLIS_URL``           the GLIS XML registration endpoint; the Treaty's test server by
                            default (production: ``https://glis.fao.org/glis/xml/manager``)
``IOFS_GLIS_USERNAME``      the GLIS account of the gene bank
``IOFS_GLIS_PASSWORD``      its password
``IOFS_GLIS_PID``           the holder's GLIS PID (Easy-SMTA / GLIS person identifier), sent
                            as ``<location>`` of each registration
``IOFS_GLIS_TIMEOUT``       seconds to wait for GLIS per request (default 30)
``IOFS_GLIS_INSTITUTE``     the gene bank's name as provider (GLIS, Easy-SMTA reports)
``IOFS_GLIS_ADDRESS``       its postal address
``IOFS_GLIS_COUNTRY``       its country (ISO 3166-1 alpha-3, default KAZ)
==========================  ==============================================================

Kept beside the gene bank (not in :mod:`iofs.config`) so that only the gene bank reads them.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The Treaty's GLIS test server (registrations there mint test DOIs only).
GLIS_TEST_URL = "https://glistest.planttreaty.org/glis/xml/manager"
#: The production server.
GLIS_PRODUCTION_URL = "https://glis.fao.org/glis/xml/manager"


class GlisSettings(BaseSettings):
    """Where and as whom the gene bank registers its accessions with GLIS."""

    model_config = SettingsConfigDict(env_prefix="IOFS_GLIS_", extra="ignore")

    url: str = GLIS_TEST_URL
    username: str = ""
    password: SecretStr = SecretStr("")
    pid: str = ""
    timeout: float = Field(default=30.0, gt=0, le=600)
    institute: str = "IOFS gene bank"
    address: str = ""
    country: str = "KAZ"
