"""Joint cases and the task forces that run them, across agencies and nations."""
