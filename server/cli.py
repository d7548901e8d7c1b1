"""Command-line tools: `flask --app server seed-demo`, `create-user`, `import-unsynced`, `import-orders`,
`deliver`, `restored-from-backup` (and Flask-Migrate's `db`)."""

from __future__ import annotations

import click
from flask import Flask

from server.models.vocab import ROLES


def register_cli(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--name", "display_name", required=True)
    @click.option("--role", type=click.Choice(ROLES), required=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--factory", "factory_codes", multiple=True, help="Factory code (inspectors, factory users).")
    def create_user_command(email, display_name, role, password, factory_codes):
        """Create a user account."""
        from sqlalchemy import select

        from server.errors import ApiError
        from server.extensions import db
        from server.models import Factory
        from server.services.users import create_user

        factory_ids = []
        for code in factory_codes:
            factory = db.session.scalar(select(Factory).where(Factory.code == code))
            if factory is None:
                raise click.ClickException(f"no factory with code {code}")
            factory_ids.append(factory.id)
        data = {"email": email, "display_name": display_name, "role": role, "password": password,
                "factory_ids": factory_ids}
        try:
            user = create_user(None, data, source="cli")
        except ApiError as exc:
            raise click.ClickException(f"{exc.message} {exc.fields or ''}".strip()) from exc
        click.echo(f"created {user.role} {user.email} ({user.id})")

    @app.cli.command("deliver")
    @click.option("--once", is_flag=True, help="Deliver everything due now, then exit (for cron or a test).")
    def deliver_command(once):
        """Send queued webhooks and e-mails; without --once, keep doing it (NOTIFY_WORKER_SLEEP_SECONDS apart)."""
        from server.services import delivery

        if once:
            report = delivery.drain()
            click.echo(f"{report.delivered} delivered, {report.retrying} to retry, {report.given_up} given up")
            return
        click.echo("Delivering notifications (Ctrl-C to stop)")
        try:
            delivery.run_forever()
        except KeyboardInterrupt:
            click.echo("stopped")

    @app.cli.command("import-unsynced")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def import_unsynced_command(path):
        """Import a phone's exported unsynced-data file, as an admin would (sync/PROTOCOL.md section 8)."""
        from server.errors import ApiError
        from server.services import sync_import
        from sync.core import ProtocolError

        with open(path, "rb") as exported:
            raw = exported.read()
        try:
            report = sync_import.import_file(None, sync_import.read_file(raw))
        except ApiError as exc:
            raise click.ClickException(f"{exc.code}: {exc.message} {exc.fields or ''}".strip()) from exc
        except ProtocolError as exc:
            raise click.ClickException(f"{exc.code}: {exc.message} {exc.details or ''}".strip()) from exc
        mutations, photos = report["mutations"], report["photos"]
        click.echo(f"client {report['client_id']} of user {report['user_id']}: "
                   f"last mutation {report['last_mutation_id']}")
        click.echo(f"mutations: {mutations['applied']} applied ({mutations['with_conflicts']} with conflicts), "
                   f"{mutations['duplicate']} already there, {mutations['rejected']} rejected")
        for rejection in mutations["rejections"]:
            click.echo(f"  mutation {rejection['id']} rejected: {rejection['code']}: {rejection['message']}")
        click.echo(f"photos: {photos['stored']} stored, {photos['present']} already there, "
                   f"{photos['refused']} refused")
        for refusal in photos["refusals"]:
            click.echo(f"  photo {refusal['sha256']} refused: {refusal['code']}: {refusal['message']}")

    @app.cli.command("import-orders")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Check the file and say what would change; write nothing.")
    @click.option("--as", "as_email", help="Record the import as this manager's or admin's (default: the console).")
    def import_orders_command(path, dry_run, as_email):
        """Import purchase orders from a CSV file (the layout of docs/samples/purchase-orders.csv): all or nothing."""
        from sqlalchemy import func, select

        from server.errors import ApiError
        from server.extensions import db
        from server.models import User
        from server.services import order_import

        user = order_import.Console()
        if as_email:
            user = db.session.scalar(select(User).where(func.lower(User.email) == as_email.lower()))
            if user is None or not user.is_active:
                raise click.ClickException(f"no active user {as_email}")
        with open(path, "rb") as csv_file:
            raw = csv_file.read()
        try:
            report = order_import.import_orders(user, raw, dry_run, source="cli")
        except ApiError as exc:
            click.echo(f"{exc.code}: {exc.message}", err=True)
            for row, columns in exc.fields.items():
                for column, messages in columns.items() if isinstance(columns, dict) else [("", columns)]:
                    for message in messages:
                        click.echo(f"  row {row}, {column}: {message}" if column else f"  {row}: {message}", err=True)
            raise click.exceptions.Exit(1) from exc
        orders, lines = report["orders"], report["lines"]
        click.echo(("Dry run, nothing written. " if dry_run else "")
                   + f"orders: {orders['created']} created, {orders['updated']} updated, "
                   f"{orders['unchanged']} unchanged; lines: {lines['created']} created, {lines['updated']} updated, "
                   f"{lines['unchanged']} unchanged")
        for order in report["changes"]:
            if order["action"] == "unchanged":
                continue
            click.echo(f"  {order['po_number']}: {order['action']}")
            for column, change in order["changes"].items():
                click.echo(f"    {column}: {change['old'] or '-'} -> {change['new'] or '-'}")
            for line in order["lines"]:
                if line["action"] != "unchanged":
                    click.echo(f"    line {line['style_number']} {line['colourway']} (row {line['row']}): "
                               f"{line['action']}")
                    for column, change in line["changes"].items():
                        click.echo(f"      {column}: {change['old'] or '-'} -> {change['new'] or '-'}")

    @app.cli.command("purge-tombstones")
    @click.option("--older-than-days", default=180, show_default=True, type=int,
                  help="Purge records deleted longer ago than this (at least 180, PROTOCOL.md 3.6).")
    def purge_tombstones_command(older_than_days):
        """Remove tombstones past the retention; older pull cursors then get a reset (cursor_expired)."""
        from server.services import tombstones

        try:
            purged = tombstones.purge(older_than_days)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--older-than-days") from exc
        for table, count in purged.items():
            click.echo(f"{table}: {count} purged")
        click.echo(f"{sum(purged.values())} tombstones purged")

    @app.cli.command("restored-from-backup")
    def restored_from_backup_command():
        """Run once after restoring the database from a backup, before the app serves phones again.

        The database gets a new identity: phones rebuild their replica and push again, from their journals,
        the mutations acknowledged after the backup was taken (sync/PROTOCOL.md 3.6 and 6.3).
        """
        from server.services.restore import mark_restored

        old, new = mark_restored()
        click.echo(f"database id {old} -> {new}: phones will re-pull, and re-send what the backup lacks")

    @app.cli.command("run-demo")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True)
    def run_demo_command(host, port):
        """Migrate, load the demo data and serve the app (the README's one command)."""
        from flask import current_app
        from flask_migrate import upgrade
        from werkzeug.serving import run_simple

        from server.seed.demo import seed_demo

        upgrade()
        click.echo(seed_demo().summary())
        click.echo(f"Serving Seamline on http://{host}:{port} (Ctrl-C to stop)")
        run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load the deterministic demo data set (safe to run again)."""
        from server.seed.demo import seed_demo

        report = seed_demo()
        click.echo(report.summary())
