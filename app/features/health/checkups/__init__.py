"""Health check-ups (issue 17): which checks and screenings are due, the 特定健診 thresholds and
the 基本チェックリスト, as plain Python over data in assets/health/ (docs/health_checkups.md)."""
