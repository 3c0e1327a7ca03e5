"""The HTTP edge: FastAPI app factory, dependencies and error handling."""
