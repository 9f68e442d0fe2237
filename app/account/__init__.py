"""The signed-in resident: login (OIDC with PKCE against the backend), tokens, profile."""
