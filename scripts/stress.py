#!/usr/bin/env python3
"""Stress `searchlib index` as an adversary would, on a real corpus, and print the figures.

    python scripts/stress.py reuters.jsonl
    python scripts/stress.py reuters.jsonl --limit 5000 --kills 5 --interrupts 10
    python scripts/stress.py ~/archive --only interrupt

Three trials, each on fresh indexes in a temporary folder:

- concurrent: two, then three `searchlib index` runs of the corpus at once (the later
  ones started at random moments of the first, and waiting for the lock as long as it
  takes), with small batches and one or two workers, --rounds times each. A round
  passes when every run succeeds, the index holds each id of the corpus exactly once,
  and `searchlib check` finds it sound.
- kill: kill -9 of the indexing process at a random moment of its run, --kills times.
  A round passes when a re-run with --lock-timeout 0 proceeds at once (the lock died
  with the killed process, and with its workers) and completes the index, and no
  process of the killed run is left.
- interrupt: Ctrl-C at a random moment of a run, --interrupts times, sent to the whole
  process group as a terminal does (odd rounds: to the indexing process alone). A round
  passes when the run exits with 130 within 2 s, without a traceback, leaving no
  process behind.

The ids the corpus gives are those of one plain run first (which also times a run, to
choose the random moments). Processes are found through /proc: Linux only.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from searchlib import Index

#: A Ctrl-C must end a run within this many seconds.
EXIT_BOUND = 2.0

#: For runs that queue behind another: the default --lock-timeout (30 s) is shorter
#: than a run of a real corpus.
WAIT = ("--lock-timeout", "86400")


@dataclass
class Trial:
    """The figures of one trial."""

    name: str
    passed: int = 0
    failures: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    leftovers: int = 0
    notes: Counter[str] = field(default_factory=Counter)

    def record(self, problems: list[str], round_name: str) -> None:
        if problems:
            self.failures.append(f"{round_name}: {'; '.join(problems)}")
        else:
            self.passed += 1

    def report(self) -> str:
        total = self.passed + len(self.failures)
        line = f"{self.name}: {self.passed}/{total} rounds passed, {len(self.failures)} failed"
        if self.latencies:
            line += (
                f"; exit latency max {max(self.latencies):.2f}s, "
                f"median {statistics.median(self.latencies):.2f}s"
            )
        line += f"; processes left behind: {self.leftovers}"
        for note, count in sorted(self.notes.items()):
            line += f"; {note}: {count}"
        return "\n".join([line, *(f"  FAILED {failure}" for failure in self.failures)])


def processes() -> list[tuple[int, int, int]]:
    """Each live process's id, parent and group (zombies hold nothing: left out)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        state, parent, group = stat.rsplit(")", 1)[1].split()[:3]
        if state != "Z":
            found.append((int(entry.name), int(parent), int(group)))
    return found


def in_group(group: int) -> list[int]:
    """The live processes of process group `group`."""
    return [pid for pid, _, of in processes() if of == group]


def reap(group: int) -> int:
    """Kill what is left of a process group; how many processes that was."""
    left = in_group(group)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return len(left)


class Runner:
    """Starts `searchlib index` runs of one corpus, each in a session of its own."""

    def __init__(self, corpus: Path, workers: int, batch_size: int) -> None:
        self.corpus, self.workers, self.batch_size = corpus, workers, batch_size

    def start(
        self, index: Path, *options: str, workers: int | None = None, batch: int | None = None
    ) -> subprocess.Popen[str]:
        command = [sys.executable, "-m", "searchlib", "index", "--index", str(index)]
        command += ["--workers", str(workers or self.workers)]
        command += ["--batch-size", str(batch or self.batch_size), *options, str(self.corpus)]
        return subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )


def _ids(index: Path) -> Counter[str]:
    with Index.open(index) as ix:
        return Counter(json.loads(line)["id"] for line in ix.export())


def _check(index: Path) -> list[str]:
    """What is wrong with the index: `searchlib check`, and ids held more than once."""
    problems = []
    done = subprocess.run(
        [sys.executable, "-m", "searchlib", "check", "--index", str(index)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        problems.append(f"check: {done.stderr.strip().splitlines()[-1:]}")
    return problems


def _compare(index: Path, expected: Counter[str]) -> list[str]:
    problems = _check(index)
    ids = _ids(index)
    twice = sum(1 for count in ids.values() if count > 1)
    if twice:
        problems.append(f"{twice} ids held more than once ({sum(ids.values())} documents)")
    missing = len(set(expected) - set(ids))
    extra = len(set(ids) - set(expected))
    if missing or extra:
        problems.append(f"{missing} ids missing, {extra} unexpected")
    return problems


def _finish(run: subprocess.Popen[str], timeout: float) -> tuple[int | None, str]:
    try:
        _, err = run.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        reap(run.pid)
        _, err = run.communicate()
        return None, err
    return run.returncode, err


def concurrent(
    runner: Runner, work: Path, expected: Counter[str], rounds: int, duration: float
) -> list[Trial]:
    trials = []
    for count in (2, 3):
        trial = Trial(f"{count} concurrent runs")
        for number in range(rounds):
            index = work / f"concurrent-{count}-{number}"
            runs = []
            for i in range(count):
                if i:
                    time.sleep(random.uniform(0, duration / (2 * count)))
                # Small batches, some with one writer, some with two workers.
                workers = 1 + (number + i) % 2
                batch = max(1, int(runner.batch_size * (0.5 + random.random())))
                # A run holds the index until it ends: the others wait for it, however long.
                runs.append(runner.start(index, *WAIT, workers=workers, batch=batch))
            problems = []
            for run in runs:
                code, err = _finish(run, timeout=max(120, 20 * duration))
                if code != 0:
                    problems.append(f"a run exited with {code}: {err.strip()[-200:]}")
                elif "Traceback" in err:
                    problems.append("a traceback")
                trial.leftovers += reap(run.pid)
            if not problems:
                problems = _compare(index, expected)
            trial.record(problems, f"round {number}")
            shutil.rmtree(index, ignore_errors=True)
        trials.append(trial)
    return trials


#: Kills and Ctrl-Cs are drawn from this share of the measured run: runs vary with the
#: machine's load, and a signal drawn from the whole of it often came after the run.
LANDS = 0.6


def _midway(runner: Runner, index: Path, duration: float) -> subprocess.Popen[str]:
    """A run on `index`, at a random moment of the first LANDS of it (`duration` is how
    long a whole run took): the moment for a kill or a Ctrl-C."""
    run = runner.start(index)
    # Once it has begun: its index exists (it is past starting Python).
    deadline = time.monotonic() + 30
    while not (index / "searchlib.json").exists() and run.poll() is None:
        if time.monotonic() > deadline:
            break
        time.sleep(0.01)
    time.sleep(random.uniform(0, LANDS * duration))
    return run


def kill(runner: Runner, work: Path, expected: Counter[str], rounds: int, duration: float) -> Trial:
    trial = Trial("kill -9 of the indexing process")
    for number in range(rounds):
        index = work / f"kill-{number}"
        run = _midway(runner, index, duration)
        if run.poll() is not None:
            trial.notes["run ended before the kill"] += 1
        run.kill()
        run.communicate()  # (its workers, dying with it, do not hold its stderr open)
        again = runner.start(index, "--lock-timeout", "0")
        code, err = _finish(again, timeout=max(120, 20 * duration))
        problems = []
        if code != 0:
            problems.append(f"the re-run exited with {code}: {err.strip()[-200:]}")
        left = in_group(run.pid)
        if left:
            problems.append(f"{len(left)} processes of the killed run left")
            trial.leftovers += reap(run.pid)
        if not problems:
            problems = _compare(index, expected)
        trial.record(problems, f"round {number}")
        shutil.rmtree(index, ignore_errors=True)
    return trial


def interrupt(runner: Runner, work: Path, rounds: int, duration: float) -> Trial:
    trial = Trial("Ctrl-C")
    for number in range(rounds):
        index = work / f"interrupt-{number}"
        run = _midway(runner, index, duration)
        to_group = number % 2 == 0
        sent = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            if to_group:
                os.killpg(run.pid, signal.SIGINT)
            else:
                run.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            run.wait(timeout=30)
        latency = time.monotonic() - sent
        left = in_group(run.pid)  # at once: a run ends after its workers
        code, err = _finish(run, timeout=1)
        problems = []
        if code == 0:
            trial.notes["run ended before the Ctrl-C"] += 1
        else:
            trial.latencies.append(latency)
            if code != 130:
                problems.append(f"exit code {code}")
            if latency > EXIT_BOUND:
                problems.append(f"exited after {latency:.2f}s")
            if "Traceback" in err:
                problems.append("a traceback")
        if left:
            problems.append(f"{len(left)} processes left")
            trial.leftovers += reap(run.pid)
        if not problems and code == 130:
            problems = _check(index)  # the last commit is intact
        target = "group" if to_group else "parent"
        trial.record(problems, f"round {number} (to the {target})")
        shutil.rmtree(index, ignore_errors=True)
    return trial


def _slice(corpus: Path, limit: int, work: Path) -> Path:
    """The first `limit` lines of a JSON-lines corpus, as a file of their own."""
    out = work / f"first-{limit}{corpus.suffix}"
    with corpus.open(encoding="utf-8") as source, out.open("w", encoding="utf-8") as target:
        for number, line in enumerate(source):
            if number >= limit:
                break
            target.write(line)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="a file or folder to index")
    parser.add_argument("--limit", type=int, help="only the first N lines of a .jsonl corpus")
    parser.add_argument("--workers", type=int, default=2, help="workers of a run [2]")
    parser.add_argument("--batch-size", type=int, default=500, help="documents per commit [500]")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of each concurrent trial")
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--interrupts", type=int, default=20)
    parser.add_argument("--only", choices=["concurrent", "kill", "interrupt"])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    random.seed(args.seed)
    work = Path(tempfile.mkdtemp(prefix="searchlib-stress-"))
    try:
        corpus = args.corpus.resolve()
        if args.limit:
            corpus = _slice(corpus, args.limit, work)
        runner = Runner(corpus, args.workers, args.batch_size)
        reference = work / "reference"
        start = time.monotonic()
        code, err = _finish(runner.start(reference), timeout=3600)
        duration = time.monotonic() - start
        if code != 0:
            print(f"the reference run failed ({code}): {err.strip()}", file=sys.stderr)
            return 2
        expected = _ids(reference)
        print(
            f"corpus {corpus}: {sum(expected.values())} documents; one run "
            f"(--workers {args.workers} --batch-size {args.batch_size}) took {duration:.1f}s",
            flush=True,
        )
        trials: list[Trial] = []
        if args.only in (None, "concurrent"):
            trials += concurrent(runner, work, expected, args.rounds, duration)
            for trial in trials[-2:]:
                print(trial.report(), flush=True)
        if args.only in (None, "kill"):
            trials.append(kill(runner, work, expected, args.kills, duration))
            print(trials[-1].report(), flush=True)
        if args.only in (None, "interrupt"):
            trials.append(interrupt(runner, work, args.interrupts, duration))
            print(trials[-1].report(), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    failed = sum(len(trial.failures) for trial in trials)
    left = sum(trial.leftovers for trial in trials)
    print(f"overall: {failed} rounds failed, {left} processes left behind")
    return 1 if failed or left else 0


if __name__ == "__main__":
    sys.exit(main())
