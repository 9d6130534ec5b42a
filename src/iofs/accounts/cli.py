"""``iofs users …`` and ``iofs tokens …``: the first admin, password resets, API tokens."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

users_app = typer.Typer(
    help="User accounts (the first admin is created here).", no_args_is_help=True
)
tokens_app = typer.Typer(help="API tokens for scripts.", no_args_is_help=True)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        from iofs.cli_support import fail

        raise fail("no password given (pipe it to --password-stdin).", 2)
    return password


@users_app.command("create")
def create(
    email: Annotated[str, typer.Option(help="The user's e-mail (sign-in name).")],
    role: Annotated[
        list[str],
        typer.Option(
            help="Role; repeat for several. "
            "admin, secretariat, focal_point, donor, "
            "genebank_curator, viewer."
        ),
    ],
    scope: Annotated[
        list[str] | None,
        typer.Option(help="Scope of focal_point (ISO3) or donor (organisation id); repeatable."),
    ] = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    language: Annotated[str, typer.Option(help="ar, en or fr.")] = "en",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a user. There is no default password: give one on stdin or at the prompt."""
    from iofs.accounts import service
    from iofs.cli_support import console, fail, session_factory
    from iofs.db import transaction
    from iofs.roles import Role

    grants = []
    for value in role:
        try:
            parsed = Role(value)
        except ValueError:
            raise fail(
                f"unknown role {value!r}; use one of {', '.join(r.value for r in Role)}.", 2
            ) from None
        scoped = parsed in {Role.FOCAL_POINT, Role.DONOR}
        grants.append(service.RoleGrant(parsed, tuple(scope or ()) if scoped else ()))
    password = _read_password(password_stdin)
    try:
        with transaction(session_factory()) as session:
            user = service.create_user(
                session,
                service.cli_principal(),
                email=email,
                display_name=name,
                password=password,
                grants=grants,
                language=language,
            )
            summary = f"created user {user.id} {user.email} ({', '.join(role)})"
    except service.AccountError as error:
        raise fail(str(error)) from None
    console.print(summary)


@users_app.command("list")
def list_users(
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """List users with their roles."""
    from rich.table import Table

    from iofs.accounts import service
    from iofs.cli_support import console, session_factory

    with session_factory()() as session:
        users = service.list_users(session, service.cli_principal())
        rows: list[dict[str, object]] = [
            {
                "id": u.id,
                "email": u.email,
                "name": u.display_name,
                "active": u.active,
                "roles": [
                    f"{a.role.value}:{a.scope}" if a.scope else a.role.value for a in u.roles
                ],
            }
            for u in users
        ]
    if output == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"Users ({len(rows)})")
    for column in ("id", "e-mail", "name", "active", "roles"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["id"]),
            str(row["email"]),
            str(row["name"]),
            "yes" if row["active"] else "no",
            ", ".join(str(r) for r in row["roles"]),  # type: ignore[attr-defined]
        )
    console.print(table)


@users_app.command("set-password")
def set_password(
    email: Annotated[str, typer.Option(help="The user's e-mail.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
) -> None:
    """Reset a user's password (ends all of the user's sessions)."""
    from iofs.accounts import service
    from iofs.cli_support import console, fail, session_factory
    from iofs.db import transaction

    password = _read_password(password_stdin)
    try:
        with transaction(session_factory()) as session:
            user = service.find_user(session, email)
            service.reset_password(session, service.cli_principal(), user.id, password)
    except service.AccountError as error:
        raise fail(str(error)) from None
    console.print(f"password of {email} reset")


@tokens_app.command("create")
def create_token(
    user: Annotated[str, typer.Option(help="E-mail of the token's user.")],
    expires: Annotated[int | None, typer.Option(help="Days until it expires.")] = None,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "",
) -> None:
    """Create an API token and print it once (send it as `Authorization: Bearer …`)."""
    from iofs.accounts import service
    from iofs.cli_support import console, fail, session_factory
    from iofs.db import transaction

    try:
        with transaction(session_factory()) as session:
            owner = service.find_user(session, user)
            raw, token = service.create_token(
                session, service.cli_principal(), owner.id, name=name, expires_days=expires
            )
            token_id = token.id
    except service.AccountError as error:
        raise fail(str(error)) from None
    console.print(f"token {token_id} for {user}; it is shown only now:", style="bold")
    sys.stdout.write(raw + "\n")


@tokens_app.command("list")
def list_tokens(user: Annotated[str, typer.Option(help="E-mail of the user.")]) -> None:
    """List a user's tokens (never the tokens themselves)."""
    from rich.table import Table

    from iofs.accounts import service
    from iofs.cli_support import console, fail, session_factory

    with session_factory()() as session:
        try:
            owner = service.find_user(session, user)
        except service.AccountError as error:
            raise fail(str(error)) from None
        tokens = service.list_tokens(session, service.cli_principal(), owner.id)
        table = Table(title=f"API tokens of {user}")
        for column in ("id", "name", "prefix", "created", "expires", "revoked", "last used"):
            table.add_column(column)
        for t in tokens:
            table.add_row(
                str(t.id),
                t.name,
                f"iofs_{t.prefix}_…",
                f"{t.created_at:%Y-%m-%d}",
                f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "never",
                f"{t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "",
                f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "",
            )
    console.print(table)


@tokens_app.command("revoke")
def revoke_token(token_id: Annotated[int, typer.Argument(help="The token's id.")]) -> None:
    """Revoke a token at once."""
    from iofs.accounts import service
    from iofs.cli_support import console, fail, session_factory
    from iofs.db import transaction

    try:
        with transaction(session_factory()) as session:
            service.revoke_token(session, service.cli_principal(), token_id)
    except service.AccountError as error:
        raise fail(str(error)) from None
    console.print(f"token {token_id} revoked")


@users_app.command("permissions")
def permissions(
    output: Annotated[str, typer.Option("--format", help="table or markdown.")] = "table",
) -> None:
    """Print the role → permission table as the modules declare it."""
    from rich.table import Table

    from iofs.cli_support import console
    from iofs.modules import load_permissions
    from iofs.permissions import permission_table
    from iofs.roles import Role

    load_permissions()
    rows = permission_table()
    columns = [r.value for r in Role] + ["anonymous"]
    if output == "markdown":
        sys.stdout.write("| permission | " + " | ".join(columns) + " |\n")
        sys.stdout.write("|---" * (len(columns) + 1) + "|\n")
        for name, _description, reaches in rows:
            sys.stdout.write(f"| `{name}` | " + " | ".join(reaches[c] for c in columns) + " |\n")
        return
    table = Table(title="Roles and permissions")
    table.add_column("permission")
    for column in columns:
        table.add_column(column)
    for name, _description, reaches in rows:
        table.add_row(name, *(reaches[c] for c in columns))
    console.print(table)
