"""The backend as an OpenID Connect relying party of the upstream provider (national
My Number card provider in production, the development identity provider otherwise)."""
