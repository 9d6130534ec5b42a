"""Food security reserves: reserve systems, stock ledger, releases and supply matching."""
