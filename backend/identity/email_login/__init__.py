"""Email-only accounts for visitors: a one-time code sent to an address proves it.

See docs/identity.md ("Email-only accounts for visitors")."""
