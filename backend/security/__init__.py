"""Web hardening of the backend (issue 10): trusted proxies, security headers, `no-store`,
CSRF protection of the HTML forms, private file modes and the OpenAPI's security
declarations. docs/identity.md ("Abuse limits and web hardening") and ADR 0019 say why.

Modules here import nothing from `backend.app`, so `backend.settings` and `backend.db` can
use `config` and `files` without cycles.
"""
