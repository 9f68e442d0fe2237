"""The health tile's meal-photo pipeline in plain Python (docs/health.md, "Meal photos"):
bytes from the camera or a file → a safe, small photo without metadata (`intake`), plates,
bowls and food regions with the resident's edits (`regions`), image features (`features`),
candidate dishes from hints and the resident's own confirmed dishes (`hints`), and a portion
estimate in grams (`portion`). OpenCV and numpy only; nothing is downloaded, nothing leaves
the device. No UI."""
