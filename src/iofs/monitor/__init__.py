"""Food-security monitoring: prices, FAOSTAT indicators, drought. Analytics on Parquet + DuckDB."""
