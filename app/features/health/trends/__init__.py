"""The health tile's trends in plain Python (docs/health_trends.md): a day's targets from the
Dietary Reference Intakes (2025) for the resident's age and sex, a week of day totals with its
gaps, and plain advice with an optional notification when a trend runs high. No UI, no I/O."""
