"""Accounts: sign-up, login, bearer tokens and the principal every request acts as."""
