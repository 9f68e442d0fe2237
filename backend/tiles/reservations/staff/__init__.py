"""The staff side of reservations (docs/reservations.md §4): resources by department, the
day's list, slots, check-in and no-show."""
