"""Device adapters (preferences, later keyring, camera, notifications, QR), each with a fake."""
