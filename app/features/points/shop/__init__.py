"""The points tile's shop screen (お店の画面) for clerks of a registered shop: the shop's JPQR
codes, charging a customer's code, the day's takings and refunds (docs/points.md)."""
