"""Notifications: subscriptions to topics, e-mail digests over SMTP, the sent-mail log."""
