"""The offline trip planner: the compiled timetable (`timetable`), the round-based search
(`search`) and journeys with their legs and fares (`journeys`). Plain Python and NumPy, so
it runs on phones. Semantics: docs/transit-planner.md; the file: docs/transit-timetable.md."""
