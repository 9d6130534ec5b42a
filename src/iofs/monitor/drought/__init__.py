"""Drought monitoring: SPI on gridded rainfall, per country and admin area."""
