"""GTFS-JP feeds: the data model (`feed`), the reader with its checks (`reader`)."""
