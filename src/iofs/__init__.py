"""iofs: the information system of the Islamic Organization for Food Security (IOFS)."""

__version__ = "0.2.0"
