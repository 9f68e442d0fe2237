"""DEVELOPMENT ONLY: an OpenID provider standing in for the national My Number card provider.

Mounted at `/dev-idp` when `settings.dev_idp_enabled` (development); `Settings` refuses it
in production. It speaks real OIDC over HTTP (discovery, JWKS, authorization code with PKCE,
`private_key_jwt` at the token endpoint) so the backend's relying-party code is exercised
exactly as it will be against the real provider; its "login" is a button per test persona
(`personas.py`).
"""
