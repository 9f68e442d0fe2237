"""Transit tile (交通) on the server side: the city's GTFS-JP feeds compiled into timetables
the app downloads and plans on offline, and their live data (see tile.py)."""
