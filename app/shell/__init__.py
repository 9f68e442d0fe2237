"""The app shell: feature registry, modes, settings, navigation state, idle timer and views."""
