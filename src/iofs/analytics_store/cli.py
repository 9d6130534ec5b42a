"""``iofs analytics push|pull|status``: the local analytics store and the shared one.

Exit status 2 for a setting to correct (no ``IOFS_ANALYTICS_URL``, a missing bucket,
refused credentials), 1 for a failure worth retrying (the endpoint unreachable), each with
one sentence.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

analytics_app = typer.Typer(
    help="The analytics store shared through S3 (IOFS_ANALYTICS_URL): push, pull, status.",
    no_args_is_help=True,
)

JSON = typer.Option("--json", help="Print the result as JSON.")


def _run(action: str, **options: Any) -> Any:
    from iofs.analytics_store import sync
    from iofs.analytics_store.errors import StoreError
    from iofs.cli_support import fail, settings

    config = settings()
    try:
        return getattr(sync, action)(config, **options)
    except StoreError as error:
        raise fail(str(error), error.exit_code) from None


@analytics_app.command("push")
def push_command(as_json: Annotated[bool, JSON] = False) -> None:
    """Send what changed in the local store since it was last in step (then the manifest)."""
    from iofs.cli_support import console

    report = _run("push")
    if as_json:
        console.print_json(json.dumps(report.as_dict()))
    elif report.generation is None:
        console.print("Nothing changed locally; nothing pushed.")
    else:
        console.print(
            f"Pushed generation {report.generation}: {report.published} file(s) published "
            f"({report.uploaded} uploaded, {report.bytes:,} bytes), {report.removed} removed.",
            highlight=False,
        )


@analytics_app.command("pull")
def pull_command(
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Compare every file and let the shared store win, local changes not yet "
            "pushed included.",
        ),
    ] = False,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """Bring the local store to the shared store's newest manifest."""
    from iofs.cli_support import console

    report = _run("pull", force=force)
    if as_json:
        console.print_json(json.dumps(report.as_dict()))
        return
    if report.older:
        console.print(
            f"The shared manifest (generation {report.generation}) is older than the one "
            "last pulled; nothing changed.",
            highlight=False,
        )
    elif not report.applied:
        console.print(f"Already at generation {report.generation}.", highlight=False)
    else:
        console.print(
            f"Pulled generation {report.generation}: {report.downloaded} file(s) downloaded "
            f"({report.bytes:,} bytes), {report.removed} removed.",
            highlight=False,
        )
    if report.kept:
        console.print(
            f"{len(report.kept)} local change(s) not yet pushed were kept: "
            f"{', '.join(report.kept[:10])}{' …' if len(report.kept) > 10 else ''}",
            highlight=False,
        )


@analytics_app.command("status")
def status_command(as_json: Annotated[bool, JSON] = False) -> None:
    """The shared store's and the local copy's generations, and what a push or pull would do."""
    from iofs.cli_support import console

    state = _run("status")
    if as_json:
        console.print_json(json.dumps(state))
        return
    console.print(
        f"{state['url']} (endpoint {state['endpoint'] or 'Amazon S3'}): generation "
        f"{state['remote_generation']}, {state['remote_files']} file(s); local copy at "
        f"generation {state['pulled_generation']}, {state['local_files']} file(s).",
        highlight=False,
    )
    for key, label in (
        ("to_push", "to push"),
        ("to_remove", "to remove from the shared store"),
        ("to_pull", "to pull"),
    ):
        names = state[key]
        console.print(f"{len(names)} {label}" + (f": {', '.join(names[:10])}" if names else ""))


def push_after_command(*, failed: bool) -> None:
    """The hook of ``iofs ingest …`` and ``iofs fetch …``: when ``IOFS_ANALYTICS_URL`` is set,
    push what the command wrote (a failed ingest left the store as it was, so this is safe
    after a failure too). A push that fails is one sentence on stderr, and exit status 1 when
    the command itself had succeeded."""
    from iofs.analytics_store.errors import StoreError
    from iofs.analytics_store.sync import push_if_shared
    from iofs.cli_support import errors, fail, settings

    try:
        report = push_if_shared(settings())
    except StoreError as error:
        message = (
            f"the local analytics store was changed but not pushed to the shared store: {error} "
            "Run `iofs analytics push` once it can be reached."
        )
        if failed:
            errors.print(f"[bold red]error:[/] {message}", highlight=False)
            return
        raise fail(message, 1) from None
    if report is not None and report.generation is not None:
        errors.print(
            f"Shared analytics store: generation {report.generation} pushed "
            f"({report.uploaded} file(s) uploaded, {report.removed} removed).",
            highlight=False,
        )
