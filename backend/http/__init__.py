"""What every HTTP request goes through before a route sees it: the body-size limit
(`body_limit`), the input policy for strings and nesting (`input_policy`), both applied by
the `InputGuard` middleware (`input_guard`), and the one shape of input errors (`errors`).
docs/api-input-policy.md, ADR 0020."""
