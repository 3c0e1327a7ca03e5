"""The partner API (issue 18): a health authority's or campus office's keyed, scoped, logged
access to a tenant's aggregated safety data."""
