"""Accounts: users, sign-in sessions, API tokens, roles with scopes and permissions."""
