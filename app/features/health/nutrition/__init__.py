"""The health tile's nutrition core in plain Python (docs/health.md): the food composition
table (日本食品標準成分表2020年版（八訂）), portions and totals, recipes of common dishes, search
and the Dietary Reference Intakes. No UI, no I/O beyond reading the bundled assets."""
