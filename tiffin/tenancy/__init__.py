"""Tenants (a campus logistics office or a city operator) and the zones they serve."""
