"""Food-price early warning: WFP market prices in, GIEWS IPA and WFP ALPS signals out."""
