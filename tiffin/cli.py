"""The ``tiffin`` command: serve, migrate, seed (and, as they arrive, simulate, bench, drill)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tiffin.errors import TiffinError
from tiffin.settings import Settings

# Plain help (click's layout): options read as `--port PORT` and flags as just `--json`, where
# typer's rich panels label every option with its Python type (`--json <bool>`).
HELP_STYLE = None
app = typer.Typer(
    help="tiffin: a food-delivery platform that keeps working when things go wrong.",
    no_args_is_help=True,
    rich_markup_mode=HELP_STYLE,
)
console = Console()
err = Console(stderr=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        metavar="URL",
        envvar="TIFFIN_DATABASE_URL",
        help="sqlite:///tiffin.db (default) or postgresql://user@host/db",
    ),
]


def _settings(database_url: str | None) -> Settings:
    return Settings(database_url=database_url) if database_url else Settings()


@contextmanager
def working(what: str) -> Iterator[None]:
    """A spinner with the time taken so far, on stderr (stdout stays clean for --json)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn(what), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        bar.add_task(what, total=None)
        yield


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code=1)


@app.command()
def migrate(database_url: DatabaseUrl = None) -> None:
    """Create or upgrade the database schema (Alembic)."""
    from tiffin.store.db import Database

    settings = _settings(database_url)
    db = Database(settings.database_url)
    try:
        db.migrate()
    finally:
        db.dispose()
    console.print(f"[green]schema is current[/] on {db.engine.url.render_as_string()}")


@app.command()
def seed(
    demo: Annotated[bool, typer.Option("--demo", help="Seed the demo campus.")] = False,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing if data exists.")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Fill the database with data to look at (the demo campus)."""
    from tiffin.platform import Platform
    from tiffin.seed import (
        DEMO_PASSWORD,
        DEMO_TENANT,
        SIM_TENANT,
        database_is_empty,
        demo_logins,
        seed_demo,
    )

    if not demo:
        _fail("say what to seed: --demo")
    platform = Platform.build(_settings(database_url))
    try:
        with platform.uow() as uow:
            if if_empty and not database_is_empty(uow):
                console.print("database has data already; not seeding")
                logins = demo_logins()
            else:
                logins = seed_demo(uow)
                seed_demo(uow, slug=SIM_TENANT)  # the simulated day's own campus
            uow.commit()
    except TiffinError as exc:
        _fail(exc.detail)
    finally:
        platform.db.dispose()
    table = Table(title=f"Demo logins (tenant '{DEMO_TENANT}', password '{DEMO_PASSWORD}')")
    for column in ("role", "email", "name"):
        table.add_column(column)
    for login in logins:
        table.add_row(login.role, login.email, login.name)
    console.print(table)
    console.print(
        f"The simulated day of [bold]serve --demo-day[/] plays on its own tenant '{SIM_TENANT}' "
        f"(watch it as ops@{SIM_TENANT}.test), so it never touches the orders you place.",
        soft_wrap=True,
    )


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", metavar="ADDRESS", help="Address to listen on.")
    ] = ("127.0.0.1"),
    port: Annotated[int, typer.Option("--port", metavar="PORT", help="Port to listen on.")] = 8000,
    database_url: DatabaseUrl = None,
    workers: Annotated[bool, typer.Option(help="Run the outbox workers in-process.")] = True,
    demo_day: Annotated[
        bool,
        typer.Option(
            help="Play a live simulated day on the demo campus (customers, canteens, riders)."
        ),
    ] = False,
) -> None:
    """Serve the API (and its background workers)."""
    from tiffin.api import serving
    from tiffin.api.app import create_app
    from tiffin.api.guards import server_options
    from tiffin.seed import SIM_TENANT

    base = _settings(database_url)
    settings = base.model_copy(
        update={"run_workers": workers, "demo_day": demo_day or base.demo_day}
    )
    try:
        sock = serving.bind(host, port)
    except serving.PortUnavailable as exc:
        _fail(f"{exc} (is another server running? choose another with --port)")
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"

    def ready() -> None:
        console.print(
            f"tiffin API on [bold]{url}/v1[/]  home: {url}/  docs: {url}/docs", soft_wrap=True
        )
        if settings.demo_day and workers:
            console.print(
                f"a simulated day is playing on its own tenant '{SIM_TENANT}': follow it "
                f"here, or with GET {url}/v1/orders as ops@{SIM_TENANT}.test",
                soft_wrap=True,
            )

    lines = serving.log_to_terminal()
    app = create_app(settings)
    # Settled at ready, and again once the background loops have started and done their
    # own start-up (and the OpenAPI document has been built aside): what they build then lives
    # as long as the server (serving.settle_heap).
    app.state.platform.when_started(serving.settle_heap)
    try:
        serving.serve(
            app,
            sock,
            ready,
            **server_options(concurrency=settings.max_connections),
        )
    finally:
        lines.stop()  # the last lines reach the terminal


@app.command("backup")
def backup_command(
    target: Annotated[Path, typer.Argument(metavar="FILE", help="The new backup file.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Back up the SQLite database while it serves (online backup API)."""
    from tiffin.resilience.backup import backup

    try:
        pages = backup(_settings(database_url).database_url, target)
    except TiffinError as exc:
        _fail(exc.detail)
    console.print(f"[green]backed up[/] {pages} pages to {target}")


@app.command("restore")
def restore_command(
    source: Annotated[
        Path, typer.Argument(metavar="FILE", help="A file written by `tiffin backup`.")
    ],
    database_url: DatabaseUrl = None,
) -> None:
    """Replace the SQLite database with a backup (stop the server first)."""
    from tiffin.resilience.backup import restore

    try:
        restore(source, _settings(database_url).database_url)
    except TiffinError as exc:
        _fail(exc.detail)
    console.print(f"[green]restored[/] from {source}")


simulate_app = typer.Typer(
    help="Run the real dispatch engine on a virtual clock.",
    no_args_is_help=True,
    rich_markup_mode=HELP_STYLE,
)
bench_app = typer.Typer(
    help="Benchmarks that compare tiffin with baselines.",
    no_args_is_help=True,
    rich_markup_mode=HELP_STYLE,
)


@app.command()
def trace(
    why: Annotated[
        str, typer.Option("--why", metavar="TEXT", help="Why the trace is needed (recorded).")
    ],
    operator: Annotated[
        str,
        typer.Option(
            "--operator", metavar="EMAIL", help="E-mail of the operator asking (recorded)."
        ),
    ],
    since: Annotated[
        str, typer.Option("--since", metavar="TIME", help="Window start, ISO 8601 with an offset.")
    ],
    until: Annotated[
        str, typer.Option("--until", metavar="TIME", help="Window end, ISO 8601 with an offset.")
    ],
    tenant: Annotated[
        str, typer.Option("--tenant", metavar="SLUG", help="Tenant slug.")
    ] = "campus",
    rider: Annotated[str | None, typer.Option("--rider", metavar="ID")] = None,
    customer: Annotated[str | None, typer.Option("--customer", metavar="ID")] = None,
    merchant: Annotated[str | None, typer.Option("--merchant", metavar="ID")] = None,
    place: Annotated[
        str | None, typer.Option("--place", metavar="LAT,LON", help="A place.")
    ] = None,
    radius: Annotated[
        float, typer.Option("--radius", metavar="METRES", help="Distance that counts as together.")
    ] = 50.0,
    out: Annotated[
        Path | None, typer.Option("--out", metavar="FILE", help="Write the export here (JSON).")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Trace a person or a place for the health authority; the query is recorded."""
    import json
    from datetime import datetime

    from tiffin.domain.geo import LatLon
    from tiffin.platform import Platform
    from tiffin.safety import tracing

    named = [(k, v) for k, v in (("rider", rider), ("customer", customer), ("merchant", merchant))]
    chosen = [(k, v) for k, v in named if v] + ([("place", None)] if place else [])
    if len(chosen) != 1:
        _fail("name exactly one of --rider, --customer, --merchant, --place")
    try:
        where = LatLon(*(float(x) for x in place.split(","))) if place else None
        window = datetime.fromisoformat(since), datetime.fromisoformat(until)
    except (TypeError, ValueError):
        _fail("--place is LAT,LON and --since/--until are ISO 8601 times")
    request = tracing.TraceRequest(
        tracing.Subject(chosen[0][0]), chosen[0][1], where, *window, radius, why
    )
    platform = Platform.build(_settings(database_url))
    try:
        with platform.uow() as uow:
            principal = tracing.as_operator(uow, tenant, operator)
            found = tracing.export(tracing.run_trace(uow, principal, request))
            uow.commit()
    except TiffinError as exc:
        _fail(exc.detail)
    finally:
        platform.db.dispose()
    text = json.dumps(found, indent=2, ensure_ascii=False)
    if out is None:
        print(text)
    else:
        out.write_text(text)
        console.print(f"trace {found['trace_id']} written to {out}")


app.add_typer(simulate_app, name="simulate")
app.add_typer(bench_app, name="bench")


@simulate_app.command("mdrp")
def simulate_mdrp(
    instance: Annotated[
        Path, typer.Argument(metavar="FOLDER", help="A folder in Grubhub's MDRP format.")
    ],
    out: Annotated[
        Path, typer.Option("--out", metavar="FOLDER", help="Where to write the solution files.")
    ],
    policy: Annotated[
        str,
        typer.Option("--policy", metavar="tiffin|greedy|no-bundling", help="The dispatch policy."),
    ] = "tiffin",
    reposition: Annotated[
        bool, typer.Option(help="Move idle riders toward forecast demand (not for greedy).")
    ] = True,
) -> None:
    """Simulate one MDRP day; write the evaluator's three files and summary.json into --out."""
    from tiffin.optimiser.solve import POLICIES, fresh_policy
    from tiffin.sim import solution
    from tiffin.sim.mdrp import load
    from tiffin.sim.simulator import simulate

    if policy not in POLICIES:
        _fail(f"unknown policy {policy!r}; choose one of {', '.join(POLICIES)}")
    if not instance.is_dir():
        _fail(f"{instance} is not a folder")
    try:
        day = load(instance)
    except TiffinError as exc:
        _fail(exc.detail)
    from tiffin.optimiser.reposition import RepositionParams

    moves = (
        RepositionParams() if reposition and policy not in ("greedy", "earliest-arrival") else None
    )
    with working(f"simulating {day.name} with {policy}"):
        summary = solution.write(simulate(day, fresh_policy(policy), reposition=moves), out)
    problems = solution.violations(day, out)
    table = Table(title=f"{day.name} with {policy}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in summary.items():
        table.add_row(key, f"{value:.2f}" if isinstance(value, float) else str(value))
    console.print(table)
    if problems:
        _fail(f"solution is infeasible: {problems[:3]}")
    console.print(f"[green]feasible[/] under the evaluator's rules; files in {out}")


FRAUD_RING = (
    "honest customers and a farming ring (shared doors and phones, repeated claims, coupons "
    "spent) over a fortnight, through the real services and risk control"
)


@simulate_app.command("campus")
def simulate_campus(
    scenario: Annotated[
        str | None, typer.Option("--scenario", metavar="NAME", help="Which scenario (see --list).")
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", metavar="N", help="The same seed gives the same day.")
    ] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    list_scenarios: Annotated[bool, typer.Option("--list", help="List the scenarios.")] = False,
    compensation: Annotated[
        Path | None,
        typer.Option(
            "--compensation",
            metavar="FILE",
            help="A compensation policy (JSON) to run instead of the default.",
        ),
    ] = None,
) -> None:
    """A campus lunch peak with a crisis, run through the real dispatch and anomaly engines."""
    import json

    from tiffin.care.policy import DEFAULT_POLICY, load_policy
    from tiffin.sim import campus

    if list_scenarios:
        for s in campus.SCENARIOS.values():
            console.print(f"[bold]{s.name}[/]  {s.description}")
        console.print(f"[bold]fraud-ring[/]  {FRAUD_RING}")
        console.print(
            "[bold]overload[/]  3x the server's capacity, one tenant bursting: core first"
        )
        return
    if scenario == "overload":  # the server under load, not a dispatch day (tiffin.sim.overload)
        from tiffin.sim import overload

        print(json.dumps(overload.run(seed), indent=2))
        return
    if scenario not in campus.SCENARIOS and scenario != "fraud-ring":
        names = [*campus.SCENARIOS, "fraud-ring", "overload"]
        _fail(f"choose a scenario with --scenario: {', '.join(names)}")
    assert scenario is not None
    policy = DEFAULT_POLICY
    if compensation is not None:
        try:
            policy = load_policy(json.loads(compensation.read_text()))
        except (OSError, ValueError) as exc:
            _fail(f"cannot read {compensation}: {exc}")
        except TiffinError as exc:
            _fail(exc.detail)
    with working(f"playing {scenario} on the campus"):
        if scenario == "fraud-ring":  # the real services and risk code on a throw-away database
            from tiffin.sim import fraud

            figures = fraud.run(seed)
        else:
            figures = campus.run_day(scenario, seed, policy=policy)
    if as_json:
        print(json.dumps(figures, indent=2))
        return
    from tiffin.sim.figures import rows

    table = Table(title=f"campus: {scenario} (seed {seed})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in rows(figures):
        table.add_row(name, value)
    console.print(table)


@bench_app.command("dispatch")
def bench_dispatch(
    quick: Annotated[
        bool, typer.Option("--quick", help="A fixed subset of 20 days: about 50 s on 2 busy cores.")
    ] = False,
    data: Annotated[
        str | None,
        typer.Option("--data", metavar="FOLDER", help="MDRP library (else $TIFFIN_MDRPLIB)."),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", metavar="FOLDER", help="Where tables and plots go.")
    ] = Path("bench/results"),
) -> None:
    """tiffin vs nearest-free-rider greedy vs tiffin without bundling, on MDRP days."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from tiffin.sim import benchmark

    root = benchmark.data_root(data)
    if not root.is_dir():
        _fail(f"no MDRP library at {root} (use --data or TIFFIN_MDRPLIB)")
    folders = benchmark.instances(root, quick)
    policies = ["tiffin", *benchmark.BASELINES]
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("simulating", total=len(folders) * len(policies))
        rows = benchmark.run(folders, policies, progress=lambda _row: bar.advance(task))
    console.print(benchmark.write_outputs(rows, policies, out, len(folders)))


report_app = typer.Typer(help="Reports from the database.", no_args_is_help=True)
app.add_typer(report_app, name="report")


@report_app.command("transparency")
def report_transparency(
    month: Annotated[str, typer.Option(help="The month, YYYY-MM (UTC).")],
    out: Annotated[Path, typer.Option(help="Folder for the .json and .html.")] = Path("out"),
    tenant: Annotated[
        str | None, typer.Option(help="A tenant's slug; all tenants if unset.")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """The month's transparency report: JSON figures and an HTML page with charts."""
    from sqlalchemy import select

    from tiffin.platform import Platform
    from tiffin.store import tables
    from tiffin.trust.render import to_html
    from tiffin.trust.report import transparency

    platform = Platform.build(_settings(database_url))
    try:
        with platform.uow(read_only=True) as uow:
            tenant_id = None
            if tenant is not None:
                tenant_id = uow.conn.execute(
                    select(tables.tenants.c.id).where(tables.tenants.c.slug == tenant)
                ).scalar_one_or_none()
                if tenant_id is None:
                    _fail(f"no tenant {tenant!r}")
            figures = transparency(uow, month, tenant_id=tenant_id)
    finally:
        platform.db.dispose()
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"transparency-{month}{'-' + tenant if tenant else ''}"
    stem.with_suffix(".json").write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    stem.with_suffix(".html").write_text(to_html(figures), encoding="utf-8")
    console.print(f"wrote {stem}.json and {stem}.html")


@app.command("sentiment")
def sentiment_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="UTF-8, one text a line"),
) -> None:
    """Label each line negative / neutral / positive with a score: one JSON object a line."""
    from tiffin.comms.sentiment import classify

    with file.open(encoding="utf-8-sig") as handle:
        for line in handle:
            typer.echo(json.dumps(classify(line.rstrip("\r\n")).as_json(), ensure_ascii=False))


@app.command("openapi")
def openapi_command(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="write here instead of stdout"),
    ] = None,
) -> None:
    """Print the OpenAPI document clients are generated from (connects to no database)."""
    import tempfile

    from tiffin.api.app import create_app
    from tiffin.platform import Platform

    with tempfile.TemporaryDirectory(prefix="tiffin-openapi-") as scratch:
        settings = Settings(database_url=f"sqlite:///{Path(scratch) / 'unused.db'}")
        document = create_app(platform=Platform.build(settings)).openapi()
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")


def main() -> None:  # pragma: no cover - console entry for `python -m tiffin`
    try:
        app()
    except TiffinError as exc:
        err.print(f"error: {exc.detail}")
        sys.exit(1)


drill_app = typer.Typer(
    help="Drills: break tiffin on purpose and check that nothing is lost.",
    rich_markup_mode=HELP_STYLE,
)
app.add_typer(drill_app, name="drill")


@drill_app.command("crash")
def drill_crash(
    kills: Annotated[
        int, typer.Option("--kills", metavar="N", help="How many times to SIGKILL the server.")
    ] = 20,
    database_url: DatabaseUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    seed: Annotated[
        int, typer.Option("--seed", metavar="N", help="Seeds the kill moments and the load.")
    ] = 1,
) -> None:
    """Serve, drive orders through their whole life from retrying clients, kill -9 the server
    at random moments, restart it, and check every answer against the database. Exits 1 if
    anything acknowledged was lost or duplicated."""
    import json
    import tempfile

    from tiffin.drills import scenarios as drill

    if kills < 1:
        _fail("--kills must be at least 1")
    with tempfile.TemporaryDirectory() as tmp:
        # A database of its own unless one is named here (and then only an empty one or one an
        # earlier drill made): never the configured one, the drill makes a mess.
        url = database_url or f"sqlite:///{tmp}/drill.db"
        with working(f"crash drill: serving, killing the server {kills} times, auditing"):
            try:
                report = drill.run(url, kills=kills, seed=seed, workdir=Path(tmp))
            except drill.NotOurs as exc:
                _fail(str(exc))
    figures = report.as_dict()
    if as_json:
        print(json.dumps(figures, indent=2))
    else:
        table = Table(title=f"crash drill: {kills} kills")
        table.add_column("figure")
        table.add_column("value", justify="right")
        for key, value in figures.items():
            if key != "problems":
                table.add_row(key, str(value))
        console.print(table)
        for problem in report.problems[:20]:
            console.print(f"[red]{problem}[/]")
    if not report.ok:
        raise typer.Exit(1)


@drill_app.command("overload")
def drill_overload(
    database_url: DatabaseUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    seconds: Annotated[
        float,
        typer.Option("--seconds", metavar="N", help="How long to drive three times capacity."),
    ] = 60,
) -> None:
    """Serve, measure the core's capacity, drive three times that mixed across core, important
    and deferrable requests, and check the core kept going while deferrable work was shed
    first, then that all came back by itself. Exits 1 if a target is missed."""
    import json
    import tempfile

    from tiffin.drills import overload
    from tiffin.drills.safety import NotOurs

    if not 1 <= seconds <= 600:
        _fail("--seconds must be between 1 and 600")
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{tmp}/drill.db"  # its own database unless named
        with working(f"overload drill: capacity, then 3x for {seconds:g} s, then recovery"):
            try:
                report = overload.run(url, workdir=Path(tmp), seconds=seconds)
            except NotOurs as exc:
                _fail(str(exc))
    figures = report.figures
    if as_json:
        print(json.dumps(figures, indent=2))
    else:
        table = Table(title="overload drill")
        table.add_column("figure")
        table.add_column("value", justify="right")
        for key, value in figures.items():
            if key != "problems":
                table.add_row(key, str(value))
        console.print(table)
    if not report.ok:
        raise typer.Exit(1)


@drill_app.command("failover")
def drill_failover(
    database_url: DatabaseUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    zones: Annotated[
        int,
        typer.Option("--zones", min=1, max=64, help="Zones per tenant, each with its own leader."),
    ] = 1,
    load_seconds: Annotated[
        float,
        typer.Option(
            "--load-seconds",
            metavar="N",
            min=1,
            max=600,
            help="Seconds of load before the kill, and again after the takeover.",
        ),
    ] = 4,
) -> None:
    """Two servers on one PostgreSQL database under load: kill -9 the dispatch leader, time the
    takeover, and check that no order was assigned twice. Exits 1 otherwise."""
    import json
    import tempfile

    from tiffin.drills import scenarios as drill

    url = database_url or ""
    if not url.startswith("postgresql"):
        _fail("the failover drill needs PostgreSQL (--database-url): SQLite has one server")
    with (
        tempfile.TemporaryDirectory() as tmp,
        working("failover drill: two servers, killing the leader"),
    ):
        try:
            report = drill.failover(url, workdir=Path(tmp), zones=zones, load_seconds=load_seconds)
        except drill.NotOurs as exc:
            _fail(str(exc))
    figures = report.as_dict()
    if as_json:
        print(json.dumps(figures, indent=2))
    else:
        table = Table(title="failover drill")
        table.add_column("figure")
        table.add_column("value", justify="right")
        for key, value in figures.items():
            if key != "problems":
                table.add_row(key, str(value))
        console.print(table)
    if not report.ok:
        raise typer.Exit(1)


@drill_app.command("schedule")
def drill_schedule(
    kind: Annotated[
        str, typer.Option("--kind", metavar="KIND", help="crash, failover or overload.")
    ],
    staging_url: Annotated[
        str,
        typer.Option(
            "--staging-url", metavar="URL", help="The staging database (never the live one)."
        ),
    ],
    tenant: Annotated[
        str, typer.Option("--tenant", metavar="SLUG", help="The tenant the schedule belongs to.")
    ],
    every_seconds: Annotated[
        int, typer.Option("--every-seconds", metavar="N", help="How often the drill runs.")
    ] = 24 * 3600,
    kills: Annotated[
        int | None, typer.Option("--kills", metavar="N", help="crash: kill -9s per run.")
    ] = None,
    seconds: Annotated[
        int | None,
        typer.Option("--seconds", metavar="N", help="overload: seconds at three times capacity."),
    ] = None,
    zones: Annotated[
        int | None, typer.Option("--zones", metavar="N", help="failover: zones per tenant.")
    ] = None,
    load_seconds: Annotated[
        int | None,
        typer.Option("--load-seconds", metavar="N", help="failover: seconds of load."),
    ] = None,
    database_url: DatabaseUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the schedule as JSON.")] = False,
) -> None:
    """Schedule a drill against a staging database on a cadence; the serving tiffin's drill
    runner (a deferrable worker) runs it when due, or `tiffin drill run-due` does. The live
    database (--database-url) is refused."""
    import getpass

    from tiffin.drills.schemas import DrillRead
    from tiffin.platform import Platform
    from tiffin.resilience import drill_schedule as schedules
    from tiffin.resilience.drill_model import DrillKind

    if kind not in {k.value for k in DrillKind}:
        _fail("--kind must be crash, failover or overload")
    settings = _settings(database_url)
    platform = Platform.build(settings)
    given = {"kills": kills, "seconds": seconds, "zones": zones, "load_seconds": load_seconds}
    try:
        with platform.uow() as uow:
            found = uow.tenants.with_slug(tenant)
            if found is None:
                _fail(f"no tenant {tenant!r}")
            assert found is not None
            made = schedules.schedule(
                uow,
                tenant_id=found.id,
                scheduled_by=f"cli:{getpass.getuser()}",
                kind=DrillKind(kind),
                url=staging_url,
                every_seconds=every_seconds,
                live_url=settings.database_url,
                allowed=settings.drill_staging_urls,
                params={k: v for k, v in given.items() if v is not None},
            )
            uow.commit()
    except TiffinError as exc:
        _fail(exc.detail)
    finally:
        platform.db.dispose()
    shown = DrillRead.of(made)
    if as_json:
        print(shown.model_dump_json(indent=2))
    else:
        console.print(
            f"[green]scheduled[/] {shown.id}: {shown.kind} drill on {shown.staging_url} every "
            f"{shown.every_seconds} s, next at {shown.next_run_at:%Y-%m-%d %H:%M:%S} UTC"
        )


@drill_app.command("history")
def drill_history(
    tenant: Annotated[
        str, typer.Option("--tenant", metavar="SLUG", help="Whose schedules and runs.")
    ],
    limit: Annotated[
        int, typer.Option("--limit", metavar="N", min=1, max=100, help="Runs shown, newest first.")
    ] = 20,
    database_url: DatabaseUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON.")] = False,
) -> None:
    """A tenant's drill schedules and its latest runs, with each run's status and figures."""
    from tiffin.drills.schemas import DrillRead, DrillRunRead
    from tiffin.platform import Platform
    from tiffin.resilience import drill_schedule as schedules

    platform = Platform.build(_settings(database_url))
    try:
        with platform.uow(read_only=True) as uow:
            found = uow.tenants.with_slug(tenant)
            if found is None:
                _fail(f"no tenant {tenant!r}")
            assert found is not None
            plans = [DrillRead.of(s) for s in schedules.schedules_of(uow, found.id, limit=100)]
            runs = [DrillRunRead.of(r) for r in schedules.runs_of(uow, found.id, limit=limit)]
    finally:
        platform.db.dispose()
    if as_json:
        print(
            json.dumps(
                {
                    "schedules": [p.model_dump(mode="json") for p in plans],
                    "runs": [r.model_dump(mode="json") for r in runs],
                },
                indent=2,
            )
        )
        return
    table = Table(title=f"drill schedules of {tenant}")
    table.add_column("id", overflow="fold")  # whole, to copy into the API
    for column in ("kind", "staging database", "every", "next run", "state"):
        table.add_column(column)
    for p in plans:
        table.add_row(
            p.id,
            p.kind,
            p.staging_url,
            f"{p.every_seconds} s",
            f"{p.next_run_at:%Y-%m-%d %H:%M}",
            p.state,
        )
    console.print(table)
    table = Table(title="drill runs, newest first")
    table.add_column("run", overflow="fold")
    for column in ("kind", "status", "started", "seconds", "figures"):
        table.add_column(column)
    for r in runs:
        table.add_row(
            r.id,
            r.kind,
            r.status,
            f"{r.started_at:%Y-%m-%d %H:%M:%S}" if r.started_at else "-",
            str(r.seconds) if r.seconds is not None else "-",
            _drill_summary(r.figures) or (r.detail or "")[:80],
        )
    console.print(table)


def _drill_summary(figures: dict[str, object] | None) -> str:
    """The figures a glance needs: lost and duplicated, then each kind's headline."""
    if not figures:
        return ""
    keys = (
        "lost",
        "duplicated",
        "recovery_s_max",
        "takeover_s",
        "core_success_pct",
        "core_p99_ms",
        "deferrable_shed_pct",
        "recovery_s",
    )
    return ", ".join(f"{k} {figures[k]}" for k in keys if k in figures)


@drill_app.command("run-due")
def drill_run_due(database_url: DatabaseUrl = None) -> None:
    """Run the drills that are due now, one at a time, and exit (what the serving tiffin's
    drill runner does on its own; for a host that serves without workers, or cron)."""
    from tiffin.platform import Platform

    platform = Platform.build(_settings(database_url))
    try:
        with working("running the drills that are due"):
            ran = platform.run_drills()
    finally:
        platform.db.dispose()
    console.print(f"{ran} drill run(s) done; `tiffin drill history` shows them")


audit_app = typer.Typer(help="The audit chain: verify it, export it, make a signing key.")
app.add_typer(audit_app, name="audit")


@audit_app.command("keygen")
def audit_keygen() -> None:
    """A new Ed25519 signing key: keep the seed secret (TIFFIN_AUDIT_SIGNING_KEY), give the
    public key to whoever verifies exports."""
    import secrets

    from tiffin.compliance import chain

    seed = secrets.token_hex(32)
    print(f"TIFFIN_AUDIT_SIGNING_KEY={seed}")
    print(f"public key: {chain.public_hex(chain.private_key(seed))}")


@audit_app.command("verify")
def audit_verify(
    database_url: DatabaseUrl = None,
    public_key: Annotated[
        str | None, typer.Option(help="Check checkpoints with this key (default: the setting's).")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Verify an export instead of the database.")
    ] = None,
) -> None:
    """Exit 0 if the chain is intact; otherwise name the first broken entry and exit 1."""
    from tiffin.compliance import audit, chain
    from tiffin.store.db import Database

    settings = _settings(database_url)
    key = public_key or (
        chain.public_hex(chain.private_key(settings.audit_signing_key))
        if settings.audit_signing_key
        else None
    )
    if file is not None:
        if key is None:
            _fail("verifying an export needs --public-key")
        assert key is not None
        broken = audit.verify_file(file, key)
    else:
        db = Database(settings.database_url)
        with db.engine.connect() as conn:
            broken = audit.verify_database(conn, key)
        db.dispose()
    if broken is not None:
        _fail(f"the audit chain is broken at entry {broken.seq}: {broken.why}")
    console.print("[green]the audit chain is intact[/]")


@audit_app.command("export")
def audit_export(
    since: Annotated[datetime, typer.Option("--from", help="First instant (ISO, UTC).")],
    until: Annotated[datetime, typer.Option("--to", help="Last instant (ISO, UTC).")],
    out: Annotated[Path, typer.Option(help="Where to write the export (JSON).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Write the entries between --from and --to, signed: verifiable with the public key alone
    (tiffin audit verify --file OUT --public-key KEY)."""
    from datetime import UTC

    from tiffin.compliance import audit, chain
    from tiffin.store.db import Database

    settings = _settings(database_url)
    if not settings.audit_signing_key:
        _fail("exporting needs TIFFIN_AUDIT_SIGNING_KEY (tiffin audit keygen)")
    assert settings.audit_signing_key is not None
    key = chain.private_key(settings.audit_signing_key)
    low, high = (t if t.tzinfo else t.replace(tzinfo=UTC) for t in (since, until))
    db = Database(settings.database_url)
    with db.engine.connect() as conn:
        done = audit.export(conn, key, since=low, until=high, path=out)
    db.dispose()
    console.print(f"{done['entries']} entries written to {out}; public key {chain.public_hex(key)}")
