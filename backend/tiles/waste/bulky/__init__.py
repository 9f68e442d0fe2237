"""Bulky-waste booking (粗大ごみ): the `bulky_waste` sync collection (book, change, cancel),
capacity per area and collection day, the booking deadline in working days, the staff side
and the demo slots. See docs/sync.md ("bulky_waste"), docs/waste-data.md and ADR 0015."""
