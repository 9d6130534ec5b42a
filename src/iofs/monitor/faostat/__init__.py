"""FAOSTAT food statistics: bulk files in, food-security indicators of the 57 states out."""
