"""Pure domain model: no SQLAlchemy, FastAPI or Pydantic below this line."""
