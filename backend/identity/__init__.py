"""Identity: signing keys, access tokens, the caller, the OIDC flows (docs/identity.md)."""
