"""Theme tokens (normal, large text, high contrast) and the shared widgets built on them."""
