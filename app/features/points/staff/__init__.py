"""The points tile's staff screens (地域振興課, department "points"; ADR 0023): shops and the
city's totals; a resident's history and corrections; earn codes, district weights and the
expiry run."""
