"""Resources as data (docs/reservations.md §1): the format check of one definition, the
store, the folder importer and the public `reservation_resources` / `reservation_slots`
collections."""
