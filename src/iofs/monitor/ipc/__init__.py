"""IPC / Cadre Harmonisé acute food insecurity: HDX IPC and HDX HAPI files in, phases,
P3+ shares, area phases and HDX Signals-style alerts out."""
