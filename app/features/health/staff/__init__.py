"""The health tile's staff screen (健康増進課): the city's health risks by district; ADR 0023."""
