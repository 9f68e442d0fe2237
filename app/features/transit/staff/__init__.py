"""The transit tile's staff screen (交通政策課): the city's feeds, their versions, import
reports and live data, and a GTFS-JP zip uploaded as a new version."""
