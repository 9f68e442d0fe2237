"""Backend tests use the fixtures of tests/conftest.py (`database_url`, `make_test_engine`,
`make_app`), shared with tests/security."""
