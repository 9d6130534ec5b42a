"""What was loaded into the analytics store: list each ingested slice, remove one (audited)."""
