"""tiffin: a food-delivery platform that keeps working when things go wrong."""

__version__ = "0.1.0"
