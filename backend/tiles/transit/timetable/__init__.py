"""The compiled timetable: a feed (`backend/tiles/transit/gtfs/`) turned into the arrays the
app plans on (`app/features/transit/planner/`). The file format is the contract between the
two sides: docs/transit-timetable.md."""
