"""A made-up tile (test_tile_registration.py): a whole server side in one folder."""
