"""Why the shared store cannot be used, as one sentence a user can act on."""

from __future__ import annotations

from iofs.i18n import gettext as _


class StoreError(Exception):
    """The shared analytics store cannot be used; ``str()`` is a sentence naming the store
    and what to do. ``exit_code`` is the CLI's: 2 for a setting to correct (a missing bucket,
    refused credentials, no ``IOFS_ANALYTICS_URL``), 1 for a failure to retry (the endpoint
    unreachable, a corrupt download)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def not_configured() -> StoreError:
    """No shared store is set."""
    return StoreError(
        _(
            "No shared analytics store is set: set IOFS_ANALYTICS_URL (e.g. "
            "s3://iofs-analytics/prod) and, for MinIO or another S3 server, IOFS_S3_ENDPOINT_URL."
        ),
        2,
    )


def describe(error: BaseException, url: str, endpoint: str | None) -> StoreError:
    """The :class:`StoreError` for an exception raised by s3fs/botocore while using ``url``."""
    where = endpoint or "Amazon S3"
    text = str(error)
    name = type(error).__name__
    reason = text.splitlines()[0][:200] if text else name
    if isinstance(error, FileNotFoundError) and "bucket" in text.lower():
        return StoreError(
            _(
                "The bucket of %(url)s does not exist at %(endpoint)s; create it, or correct "
                "IOFS_ANALYTICS_URL."
            )
            % {"url": url, "endpoint": where},
            2,
        )
    if isinstance(error, PermissionError) or "credential" in text.lower():
        return StoreError(
            _(
                "%(endpoint)s refused the credentials for %(url)s (%(reason)s); check "
                "IOFS_S3_ACCESS_KEY_ID / IOFS_S3_SECRET_ACCESS_KEY or the AWS variables."
            )
            % {"endpoint": where, "url": url, "reason": reason},
            2,
        )
    if "connect" in name.lower() or "connect" in text.lower() or isinstance(error, TimeoutError):
        return StoreError(
            _(
                "The S3 endpoint %(endpoint)s cannot be reached (%(reason)s); check "
                "IOFS_S3_ENDPOINT_URL and that the server runs, then try again."
            )
            % {"endpoint": where, "reason": reason},
            1,
        )
    return StoreError(
        _("The shared analytics store %(url)s failed: %(reason)s.")
        % {"url": url, "reason": reason},
        1,
    )
