"""Procedure definitions (docs/procedures.md §1, docs/procedure-definitions.md): the JSON
format and its check, the folder import with versions, and the public `procedures`
collection."""
