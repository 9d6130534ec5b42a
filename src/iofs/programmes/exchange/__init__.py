"""Exchange formats of the programmes module: IATI 2.03, HXL, OCHA FTS flows, Excel sheets."""
