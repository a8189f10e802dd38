"""``yuqing store``: look after the post store — status, migration to Elasticsearch, spool, roll-off.

Posts move from the SQL database to Elasticsearch with ``yuqing store migrate
--to elasticsearch``: batches in id order, a checkpoint after every batch, so a
killed run resumes where it stopped and a finished run copies only what came
since. Alerts, events, users and the audit log stay in SQL.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import click

from yuqing.cli import pass_state
from yuqing.errors import YuqingError
from yuqing.store import MUTABLE_FIELDS


@click.group()
def store() -> None:
    """Post store administration: status, migrate to Elasticsearch, flush the spool, prune old months."""


def _elastic(cfg):
    from yuqing.store.elastic import ElasticPostStore  # noqa: PLC0415

    return ElasticPostStore.from_config(cfg)


def checkpoint_path(cfg) -> Path:
    """Where ``migrate`` remembers the last post it copied (one file per target index prefix)."""
    return cfg.data_dir / f"migrate-elasticsearch-{cfg.storage.elasticsearch.index_prefix}.json"


def _read_checkpoint(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise YuqingError(f"cannot read the migration checkpoint {path}: {e}; remove it or use --restart") from e


def _write_checkpoint(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


@store.command()
@click.option("--to", "target", type=click.Choice(["elasticsearch"]), required=True, help="Where the posts go.")
@click.option("--batch", "batch_size", type=click.IntRange(1, 10_000), default=1000, show_default=True,
              help="Posts per batch (one checkpoint per batch).")
@click.option("--limit", type=click.IntRange(1), default=None, help="Stop after copying this many posts (resume later).")
@click.option("--restart", is_flag=True, help="Forget the checkpoint and go through every post again.")
@pass_state
def migrate(state, target: str, batch_size: int, limit: int | None, restart: bool) -> None:
    """Copy the posts from the SQL database to Elasticsearch, resumably.

    Safe to repeat: posts already in Elasticsearch are not written twice. While
    the office still runs on SQL (storage.posts: sql) their classification and
    grading are brought up to date from SQL; once it runs on Elasticsearch,
    existing posts there are left as they are.
    """
    from yuqing.config import redact_url  # noqa: PLC0415
    from yuqing.store.sql import SqlPostStore  # noqa: PLC0415

    dep = state.deployment()
    cfg = dep.config
    sql = SqlPostStore(dep.engine)
    es = _elastic(cfg)
    try:
        path = checkpoint_path(cfg)
        ck = {} if restart else _read_checkpoint(path)
        after_id = ck.get("last_id")
        copied = int(ck.get("copied", 0)) if after_id is not None else 0
        sync_existing = cfg.storage.posts == "sql"
        total = sql.count()
        click.echo(f"copying posts from {redact_url(cfg.database_url)} to Elasticsearch {es.hosts_label} "
                   f"(alias {es.alias}); {total} posts in SQL"
                   + (f"; resuming after post {after_id} ({copied} done)" if after_id is not None else ""))
        start = time.perf_counter()
        done_now = added = existing = 0
        shown_at, progress = start, None
        stopped_early = False
        for batch in sql.iter_all(batch_size=batch_size, after_id=after_id):
            if limit is not None and done_now + len(batch) > limit:
                batch = batch[: limit - done_now]
            result = es.add(batch)
            if es.spooled():
                raise YuqingError(
                    f"Elasticsearch at {es.hosts_label} stopped answering; {es.spooled()} posts wait in the spool. "
                    "Progress is saved: run the same command again to resume "
                    + (f"after post {after_id}" if after_id is not None else "from the first post"))
            if sync_existing and result.existing:
                by_id = {p.id: p for p in batch}
                es.update({pid: {f: getattr(by_id[pid], f) for f in MUTABLE_FIELDS} for pid in result.existing})
            added += len(result.added)
            existing += len(result.existing)
            done_now += len(batch)
            copied += len(batch)
            after_id = batch[-1].id
            _write_checkpoint(path, {"last_id": after_id, "copied": copied, "target": es.alias,
                                     "updated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
            now = time.perf_counter()
            pct = f" ({100 * copied / total:.0f}%)" if total else ""
            progress = f"  {copied}/{total} posts{pct}, {done_now / max(now - start, 1e-9):.0f} posts/s"
            if now - shown_at >= 2:  # a line every two seconds, and the last one below
                click.echo(progress)
                shown_at, progress = now, None
            if limit is not None and done_now >= limit:
                stopped_early = True
                break
        if progress:
            click.echo(progress)
        in_es = es.count()
        click.echo(f"this run: {added} posts copied, {existing} already in Elasticsearch; "
                   f"Elasticsearch now holds {in_es} posts, SQL {total}")
        if stopped_early:
            click.echo(f"stopped after --limit {limit}; run the command again to go on from post {after_id}")
        elif cfg.storage.posts != "elasticsearch":
            where = state.config_path or "your configuration file"
            click.echo(f"migration complete. Now set 'storage.posts: elasticsearch' in {where} and restart yuqing "
                       "(scheduler, web app). Running this command again later copies only posts added since.")
        else:
            click.echo("migration complete; this deployment already stores posts in Elasticsearch.")
    finally:
        es.close()


@store.command()
@pass_state
def status(state) -> None:
    """Where posts are stored, how many, and the Elasticsearch side: health, indices, spool, migration."""
    from yuqing.config import redact_url  # noqa: PLC0415

    cfg = state.config
    kind = cfg.storage.posts
    click.echo(f"posts are stored in: {kind}")
    ck = _read_checkpoint(checkpoint_path(cfg))
    if kind == "sql" or ck:
        dep = state.deployment()
        from yuqing.store.sql import SqlPostStore  # noqa: PLC0415

        click.echo(f"SQL {redact_url(cfg.database_url)}: {SqlPostStore(dep.engine).count()} posts")
    if kind == "elasticsearch" or ck:
        es = _elastic(cfg)
        try:
            health = es.health()
            click.echo(f"Elasticsearch {es.hosts_label}: cluster {health.get('cluster_name')} {health.get('status')}, "
                       f"{health.get('number_of_nodes')} node(s)")
            indices = es.indices()
            click.echo(f"alias {es.alias}: {es.count()} posts in {len(indices)} indices (rollover: {es.rollover})")
            for name, n in indices.items():
                click.echo(f"  {name}: {n}")
            waiting = es.spooled()
            if waiting:
                click.echo(f"spool: {waiting} posts wait for the node (written by the next crawl, or 'yuqing store flush')")
            rejected = es.spool_dir / f"{es.prefix}.rejected.jsonl"
            if rejected.exists():
                click.echo(f"rejected posts kept in {rejected}")
        finally:
            es.close()
    if ck:
        click.echo(f"migration to Elasticsearch: {ck.get('copied', 0)} posts copied, last post id {ck.get('last_id')} "
                   f"({ck.get('updated_at', '?')})")


@store.command()
@pass_state
def flush(state) -> None:
    """Write the posts kept in the spool while Elasticsearch was unreachable."""
    es = _elastic(state.config)
    try:
        before = es.spooled()
        if not before:
            click.echo("the spool is empty")
            return
        es.flush_spool()
        left = es.spooled()
        click.echo(f"wrote {before - left} spooled posts" + (f"; {left} still wait (node unreachable)" if left else ""))
        if left:
            raise YuqingError(f"Elasticsearch at {es.hosts_label} is still unreachable; {left} posts stay in the spool")
    finally:
        es.close()


@store.command()
@click.option("--before", "month", required=True, metavar="YYYY-MM", help="Delete indices of months before this one.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def prune(state, month: str, yes: bool) -> None:
    """Roll old posts off Elasticsearch by deleting whole monthly (or yearly) indices."""
    cfg = state.config
    if cfg.storage.posts != "elasticsearch":
        raise YuqingError("prune works on the Elasticsearch store; this deployment keeps posts in SQL")
    es = _elastic(cfg)
    try:
        if not yes:
            click.confirm(f"delete every post in {es.alias} indices before {month}?", abort=True)
        dropped = es.drop_before(month)
        click.echo(f"deleted {len(dropped)} indices" + (f": {', '.join(dropped)}" if dropped else ""))
    finally:
        es.close()
