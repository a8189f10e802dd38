"""``yuqing classify``: train, evaluate and use the relevance, topic and negativity models.

``train``, ``eval`` and ``predict`` work on files and need no configuration
(when one exists its locality words go into the tokenizer); ``calibrate``,
``retrain``, ``run``, ``models`` and ``use`` work on the deployment.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from yuqing.cli import pass_state
from yuqing.config import ConfigError, find_config
from yuqing.errors import YuqingError

TASK_CHOICE = click.Choice(["relevance", "topic", "negativity"])


def _optional_config(state):
    """The configuration if there is one, else None (train/eval/predict work without it)."""
    try:
        find_config(state.config_path)
    except ConfigError:
        return None
    return state.config


def _echo_json(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


@click.group()
def classify() -> None:
    """Train, evaluate and run the relevance, topic and negativity models."""


@classify.command()
@click.option("--task", type=TASK_CHOICE, required=True, help="Which model to train.")
@click.option("--data", "data_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV with columns text,label and optionally title (UTF-8).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the model (a .json metadata file is written beside it).")
@click.option("--positive", default=None, metavar="LABEL",
              help="For relevance/negativity: the label meaning relevant/negative (default: guessed from 相关/负面/1/…).")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(0, 20),
              help="Cross-validation folds for the metrics saved with the model (0: none).")
@pass_state
def train(state, task: str, data_path: Path, out_path: Path, positive: str | None, folds: int) -> None:
    """Train a model from a CSV file and save it with its metadata."""
    from yuqing.classify.corpus import read_csv
    from yuqing.classify.model import TextModel
    from yuqing.classify.tokenizer import Tokenizer

    examples = read_csv(data_path)
    tokenizer = Tokenizer(_optional_config(state))
    model = TextModel.train(task, examples, tokenizer, cv_folds=folds, positive=positive, source=str(data_path))
    model.save(out_path)
    cv = model.meta.get("cv")
    labels = model.meta["label_counts"]
    click.echo(f"trained {task} model on {len(examples)} rows, {len(labels)} labels: "
               + ", ".join(f"{k} {v}" for k, v in labels.items()))
    if model.positive is not None:
        meaning = "relevant" if task == "relevance" else "negative"
        click.echo(f"label {model.positive!r} means {meaning}: the score is its probability")
    if cv:
        click.echo(f"{cv['folds']}-fold cross-validation: accuracy {cv['accuracy']:.4f}, macro-F1 {cv['macro_f1']:.4f}")
    click.echo(f"saved {out_path} (version {model.version})")


@classify.command(name="eval")
@click.option("--model", "model_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--data", "data_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV with columns text,label and optionally title.")
def eval_(model_path: Path, data_path: Path) -> None:
    """Score a model on a labelled CSV; prints one JSON object."""
    from yuqing.classify.corpus import read_csv
    from yuqing.classify.model import TextModel

    model = TextModel.load(model_path)
    examples = read_csv(data_path)
    result = model.evaluate(examples)
    _echo_json({"model": model.version, "task": model.task, **result})


@classify.command()
@click.option("--input", "input_path", metavar="FILE.jsonl",
              help="Posts as JSON lines (the fields of 'yuqing grade --input'; '-' for standard input): judge them "
                   "with the deployment's locality rules and current models, store nothing.")
@click.option("--model", "model_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Instead: label JSON lines from standard input with this one model file.")
@click.option("--explain/--no-explain", default=True, show_default=True, help="Add the words that drove each label.")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1, 100000), help="Lines per batch.")
@click.option("--strict", is_flag=True, help="With --input: stop at the first bad line and judge nothing.")
@pass_state
def predict(state, input_path: str | None, model_path: Path | None, explain: bool, batch: int, strict: bool) -> None:
    """Judge posts: relevance, topic and negativity.

    With --input FILE.jsonl (no --model), each post gets the deployment's whole
    judgement and one JSON line: id, relevant (true/false), relevance (0–1),
    topic, negativity (0–1), negative (true/false) and reasons (Chinese). A bad
    input line is reported on stderr by its number and the others are judged
    (exit 1); unknown fields are named in one warning. Without a configuration
    the locality is unknown and every post counts as not relevant.

    With --model FILE, JSON lines from standard input ({"id":…,"text":…[,"title":…]})
    are labelled by that one model: id, label, score.
    """
    if model_path is None:
        if not input_path:
            raise click.UsageError("give --input FILE.jsonl (the deployment's judgement) or --model FILE")
        _judge_input(state, input_path, explain, batch, strict)
        return
    if input_path:
        raise click.UsageError("--model reads standard input; --input goes without --model")
    from yuqing.classify.features import compose
    from yuqing.classify.model import TITLE_REPEAT, TextModel

    model = TextModel.load(model_path)
    pending: list[tuple[object, str]] = []

    def flush() -> None:
        if not pending:
            return
        preds = model.predict([t for _, t in pending], explain=explain)
        for (pid, _), p in zip(pending, preds):
            row = {"id": pid, "label": p.label, "score": p.score, "confidence": p.confidence}
            if explain:
                row["explanation"] = [[w, v] for w, v in p.words]
            _echo_json(row)
        pending.clear()

    for n, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            raise YuqingError(f"stdin line {n}: not JSON ({e.msg})") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("text", ""), str):
            raise YuqingError(f'stdin line {n}: expected an object like {{"id": 1, "text": "…"}}')
        if "text" not in obj and "title" not in obj:
            raise YuqingError(f"stdin line {n}: no text")
        pending.append((obj.get("id"), compose(obj.get("text") or "", obj.get("title") or "", TITLE_REPEAT)))
        if len(pending) >= batch:
            flush()
    flush()


def _judge_input(state, input_path: str, explain: bool, batch: int, strict: bool) -> None:
    """``predict --input``: the deployment's judgement of posts given as JSON lines, one JSON line each."""
    from yuqing.classify.api import ModelSet, classify_records, judgement
    from yuqing.cli import report_intake
    from yuqing.intake import input_lines, read_posts

    cfg = _optional_config(state)
    if cfg is None:
        from yuqing.grading.cli import default_config

        cfg = default_config()
    intake = read_posts(input_lines(input_path), tz=cfg.timezone, strict=strict)
    if intake.records:
        models = ModelSet.for_config(cfg)
        for start in range(0, len(intake.records), batch):
            chunk = intake.records[start:start + batch]
            classify_records(cfg, chunk, models)
            lines = []
            for input_id, rec in zip(intake.ids[start:start + batch], chunk):
                lines.append(json.dumps({"id": input_id, **judgement(cfg, rec, explain)}, ensure_ascii=False))
            click.echo("\n".join(lines))
    report_intake(intake)


@classify.command()
@click.option("--task", type=TASK_CHOICE, required=True)
@click.option("--data", "data_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Extra labelled rows (CSV text,label[,title]) to train with.")
@click.option("--force", is_flag=True, help="Retrain even without new corrections.")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@pass_state
def retrain(state, task: str, data_path: Path | None, force: bool, as_json: bool) -> None:
    """Fold the monitors' corrections into a new model; switch only if it is not worse on held-out rows."""
    from yuqing.classify.corpus import read_csv
    from yuqing.classify.feedback import retrain as do_retrain

    extra = read_csv(data_path) if data_path else None
    report = do_retrain(state.deployment(), task, extra, force=force, by="cli")
    if as_json:
        _echo_json(report.to_dict())
    else:
        for line in report.lines():
            click.echo(line)
        for line in report.skipped:
            click.echo(f"skipped {line}", err=True)


@classify.command()
@click.option("--task", "tasks", type=TASK_CHOICE, multiple=True, help="Only this task (repeatable; default: all three).")
@click.option("--estimate/--no-estimate", default=True, show_default=True,
              help="Estimate whether a retrain would be better (k-fold over the office's labels; a few seconds a task).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@pass_state
def calibrate(state, tasks: tuple[str, ...], estimate: bool, as_json: bool) -> None:
    """How the models do on the office's own labels.

    For each task: how many labels the office gave (by source and answer, and
    the disagreements still to resolve), the current judgement's figures on the
    labels its model did not learn from (held out, so the figure is honest:
    relevance precision/recall/F1, negativity ROC AUC and accuracy, topic
    accuracy), and whether a retrain with the labels would be better.
    """
    from yuqing.classify.feedback import calibrate as do_calibrate

    result = do_calibrate(state.deployment(), tasks or ("relevance", "negativity", "topic"), estimate=estimate)
    if as_json:
        _echo_json([t.to_dict() for t in result])
        return
    for t in result:
        for line in t.lines():
            click.echo(line)


@classify.command()
@click.option("--limit", type=click.IntRange(1), default=None, help="At most this many posts.")
@pass_state
def run(state, limit: int | None) -> None:
    """Classify the deployment's posts that are not classified yet."""
    from yuqing.classify.api import classify_pending

    n = classify_pending(state.deployment(), limit=limit)
    click.echo(f"classified {n} post(s)")


@classify.command()
@pass_state
def models(state) -> None:
    """Show the current model of each task, its cross-validated scores and the older versions."""
    from yuqing.classify.api import ensure_models
    from yuqing.classify.model import TextModel
    from yuqing.classify.registry import ModelRegistry

    cfg = state.config
    paths = ensure_models(cfg)
    reg = ModelRegistry(cfg.model_dir)
    for task, path in paths.items():
        m = TextModel.load(path, task)
        cv = m.meta.get("cv") or {}
        score = f"cv accuracy {cv.get('accuracy')}, macro-F1 {cv.get('macro_f1')}" if cv else "no cv"
        click.echo(f"{task}: {m.version} ({m.meta.get('n_examples')} rows, {score})")
        for p in reg.versions(task):
            if p.name != path.name:
                click.echo(f"   older: {p.stem}")


@classify.command()
@click.option("--task", type=TASK_CHOICE, required=True)
@click.argument("version")
@pass_state
def use(state, task: str, version: str) -> None:
    """Make an existing model version current again (roll back or forward)."""
    from yuqing.classify.feedback import switch_model

    path = switch_model(state.deployment(), task, version, by="cli")
    click.echo(f"{task}: now using {path.stem}")
