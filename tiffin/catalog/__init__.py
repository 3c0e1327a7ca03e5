"""Merchants (商家) and their menus."""
