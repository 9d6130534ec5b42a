"""``iofs jobs …``: list, show and cancel jobs, run a kind in the foreground, run a worker,
and set schedules."""

from __future__ import annotations

import json
import signal
from typing import TYPE_CHECKING, Annotated, Any

import typer

from iofs.cli_support import check_format, console, errors, fail, print_records

if TYPE_CHECKING:
    from iofs.jobs.models import Job, JobSchedule

jobs_app = typer.Typer(
    help="Background jobs: list, show, cancel, run in the foreground, worker, schedules.",
    no_args_is_help=True,
)
schedule_app = typer.Typer(
    help="Schedules: a job kind submitted hourly, daily, weekly or monthly (UTC).",
    no_args_is_help=True,
)
jobs_app.add_typer(schedule_app, name="schedule")

Format = Annotated[str, typer.Option("--format", help="table, json or csv.")]
Params = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        help="A parameter of the kind, KEY=VALUE (repeatable); the value is read as JSON "
        "when it parses (7, true, [1,2]), else as text.",
    ),
]
JobId = Annotated[int, typer.Argument(min=1, max=2_147_483_647, help="The job's id.")]
ScheduleId = Annotated[int, typer.Argument(min=1, max=2_147_483_647, help="The schedule's id.")]


def parse_params(pairs: list[str] | None) -> dict[str, Any]:
    """``--param KEY=VALUE`` options as a dict; exit 2 with a sentence naming a malformed one."""
    from iofs.errors import InputError
    from iofs.jobs.params import parse_pairs

    try:
        return parse_pairs(pairs or [])
    except InputError as error:
        raise fail(f"--param {error}", 2) from None


def _moment(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value is not None else ""


def _job_row(job: Job) -> dict[str, Any]:
    percent = job.percent
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state,
        "progress": "" if percent is None else f"{percent:.0f}%",
        "owner_id": job.owner_id,
        "created_at": _moment(job.created_at),
        "finished_at": _moment(job.finished_at),
        "message": job.message,
        "error": job.error or "",
    }


def _job_record(job: Job) -> dict[str, Any]:
    return {
        **_job_row(job),
        "params": job.params,
        "progress_done": job.progress_done,
        "progress_total": job.progress_total,
        "started_at": _moment(job.started_at),
        "heartbeat_at": _moment(job.heartbeat_at),
        "worker": job.worker,
        "attempts": job.attempts,
        "result": job.result,
        "log": job.log,
    }


@jobs_app.command("list")
def list_jobs(
    state: Annotated[
        str | None, typer.Option(help="queued, running, succeeded, failed or cancelled.")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="Only jobs of this kind.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Newest jobs shown.")] = 50,
    output: Format = "table",
) -> None:
    """The newest jobs, every owner's."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import session_factory
    from iofs.jobs.models import STATES
    from iofs.jobs.service import visible_jobs

    check_format(output)
    if state is not None and state not in STATES:
        raise fail(f"--state must be one of {', '.join(STATES)}, not {state!r}.", 2)
    with session_factory()() as session:
        jobs = visible_jobs(session, cli_principal(), state=state, kind=kind, limit=limit)
        rows = [_job_row(job) for job in jobs]
    print_records(
        rows,
        output,
        "Background jobs (newest first)",
        columns=["id", "kind", "state", "progress", "created_at", "finished_at", "error"],
        justify={"id": "right", "progress": "right"},
    )


@jobs_app.command()
def show(
    job_id: JobId, output: Annotated[str, typer.Option("--format", help="table or json.")] = "table"
) -> None:
    """One job: state, progress, result, error and log."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import session_factory
    from iofs.errors import InputError
    from iofs.jobs.service import get_job

    check_format(output, ("table", "json"))
    with session_factory()() as session:
        try:
            record = _job_record(get_job(session, cli_principal(), job_id))
        except InputError as error:
            raise fail(str(error), 2) from None
    if output == "json":
        console.print_json(json.dumps(record, ensure_ascii=False))
        return
    for name in (
        "id",
        "kind",
        "state",
        "progress",
        "message",
        "error",
        "params",
        "worker",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
        "result",
    ):
        value = record[name]
        if value in (None, "", {}):
            continue
        shown = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value
        console.print(f"[bold]{name}[/]: {shown}", highlight=False)
    if record["log"]:
        console.print("[bold]log[/]:")
        console.print(record["log"].rstrip(), highlight=False, markup=False)


@jobs_app.command()
def cancel(job_id: JobId) -> None:
    """Cancel a job: a queued one at once, a running one at its next progress report."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import session_factory, settings
    from iofs.errors import InputError
    from iofs.jobs.service import cancel_job

    with session_factory()() as session:
        try:
            job = cancel_job(session, settings(), cli_principal(), job_id)
        except InputError as error:
            raise fail(str(error), 2) from None
        state = job.state
    if state == "cancelled":
        console.print(f"job {job_id} cancelled")
    elif state == "running":
        console.print(f"job {job_id} is asked to stop; it rolls back at its next progress report")
    else:
        raise fail(f"job {job_id} had already ended ({state}); nothing to cancel.", 2)


@jobs_app.command()
def kinds() -> None:
    """The job kinds the installed modules declare."""
    from iofs.jobs.runner import parameter_names
    from iofs.jobs.service import kinds as known

    rows = [
        {"kind": name, "title": kind.title, "parameters": ", ".join(parameter_names(kind))}
        for name, kind in sorted(known().items())
    ]
    print_records(rows, "table", "Job kinds", columns=["kind", "title", "parameters"])


@jobs_app.command()
def worker(
    grace: Annotated[
        float,
        typer.Option(
            min=0,
            help="On SIGTERM or Ctrl-C, seconds the current job may still take before it is "
            "rolled back and put back in the queue.",
        ),
    ] = 60.0,
) -> None:
    """Run jobs until stopped (several workers may run, on one machine or many)."""
    from iofs.cli_support import settings
    from iofs.jobs.worker import Worker

    config = settings()
    runner = Worker(config)
    console.print(
        f"job worker {runner.name} on {config.jobs_url.split('?')[0]} "
        f"({len(runner.kinds)} kinds); SIGTERM stops it after the current job",
        highlight=False,
    )

    def stop(signum: int, _frame: Any) -> None:
        errors.print(f"stopping ({signal.Signals(signum).name}) after the current job")
        runner.stop(grace=grace)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        runner.run()
    finally:
        runner.close()


@jobs_app.command()
def run(
    kind: Annotated[str, typer.Argument(help="The job kind, e.g. backup.snapshot.")],
    params: Params = None,
) -> None:
    """Run a job kind now, in the foreground, with a progress bar (the job is recorded)."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    from iofs.cli_support import session_factory, settings
    from iofs.errors import InputError
    from iofs.jobs import queue
    from iofs.jobs.runner import check_params, execute
    from iofs.jobs.service import kinds as known

    values = parse_params(params)
    registry = known()
    config = settings()
    factory = session_factory()
    name = queue.worker_name("#cli")
    with factory() as session:
        try:
            if kind in registry:
                check_params(registry[kind], values)
            job = queue.submit(session, registry, kind, values, None, "en", running_by=name)
        except InputError as error:
            raise fail(str(error), 2) from None
        session.commit()
        job_id = job.id
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    ) as bar:
        task = bar.add_task(f"job {job_id} {kind}", total=None)

        def show(done: float, total: float | None, message: str) -> None:
            bar.update(task, completed=done, total=total, description=message or kind)

        outcome = execute(job_id, name, config, factory, registry, on_progress=show)
    if outcome.state == "succeeded":
        console.print(f"job {job_id} succeeded")
        if outcome.result:
            console.print_json(json.dumps(outcome.result, ensure_ascii=False, default=str))
        return
    details = outcome.result or {}
    for problem in details.get("errors", [])[:50]:
        errors.print(f"  {problem}", highlight=False, markup=False)
    raise fail(f"job {job_id} {outcome.state}: {outcome.error}", 2 if outcome.bad_input else 1)


def _schedule_row(schedule: JobSchedule, last: Job | None) -> dict[str, Any]:
    from iofs.jobs.schedules import cadence_of

    return {
        "id": schedule.id,
        "kind": schedule.kind,
        "cadence": cadence_of(schedule).text,
        "params": json.dumps(schedule.params, ensure_ascii=False),
        "enabled": "yes" if schedule.enabled else "no",
        "next_run_at": _moment(schedule.next_run_at),
        "last_job": "" if last is None else f"{last.id} ({last.state})",
    }


@schedule_app.command("add")
def schedule_add(
    kind: Annotated[str, typer.Argument(help="The job kind, e.g. backup.snapshot.")],
    cadence: Annotated[
        str,
        typer.Argument(
            help="hourly@MM, daily@HH:MM, weekly@DAY@HH:MM (DAY: mon … sun) or "
            "monthly@D@HH:MM, in UTC."
        ),
    ],
    params: Params = None,
) -> None:
    """Submit KIND on a cadence from now on."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import session_factory
    from iofs.errors import InputError
    from iofs.jobs import schedules
    from iofs.jobs.cadence import parse
    from iofs.jobs.service import kinds as known

    values = parse_params(params)
    with session_factory()() as session:
        try:
            schedule = schedules.add(
                session, cli_principal(), known(), kind, values, parse(cadence)
            )
        except InputError as error:
            raise fail(str(error), 2) from None
        session.commit()
        console.print(
            f"schedule {schedule.id}: {kind} {schedules.cadence_of(schedule).text}, "
            f"next run {_moment(schedule.next_run_at)}",
            highlight=False,
        )


@schedule_app.command("list")
def schedule_list(output: Format = "table") -> None:
    """Every schedule with its next and last run."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import session_factory
    from iofs.jobs import schedules

    check_format(output)
    with session_factory()() as session:
        found = schedules.list_schedules(session, cli_principal())
        last = schedules.last_jobs(session, found)
        rows = [_schedule_row(schedule, last.get(schedule.id)) for schedule in found]
    print_records(
        rows,
        output,
        "Job schedules (UTC)",
        columns=["id", "kind", "cadence", "params", "enabled", "next_run_at", "last_job"],
        justify={"id": "right"},
    )


def _change(schedule_id: int, enabled: bool | None) -> None:
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import session_factory
    from iofs.errors import InputError
    from iofs.jobs import schedules

    with session_factory()() as session:
        try:
            if enabled is None:
                schedules.remove(session, cli_principal(), schedule_id)
            else:
                schedules.set_enabled(session, cli_principal(), schedule_id, enabled)
        except InputError as error:
            raise fail(str(error), 2) from None
        session.commit()
    done = "removed" if enabled is None else ("enabled" if enabled else "disabled")
    console.print(f"schedule {schedule_id} {done}")


@schedule_app.command("remove")
def schedule_remove(schedule_id: ScheduleId) -> None:
    """Remove a schedule (the jobs it submitted stay)."""
    _change(schedule_id, None)


@schedule_app.command("enable")
def schedule_enable(schedule_id: ScheduleId) -> None:
    """Enable a schedule: it runs next at its cadence's next moment."""
    _change(schedule_id, True)


@schedule_app.command("disable")
def schedule_disable(schedule_id: ScheduleId) -> None:
    """Disable a schedule (kept, not run)."""
    _change(schedule_id, False)
