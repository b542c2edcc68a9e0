"""Accounts, authentication, markings and the one access policy."""
