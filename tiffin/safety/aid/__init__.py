"""Rider aid (issue 18): insurance claims, counselling and support requests, and the emergency
roster told when public-health mode changes."""
