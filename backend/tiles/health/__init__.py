"""Health tile (健康) on the server side: the resident's health records."""
