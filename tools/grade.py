"""Grade a folder of submitted notebooks: ``grades.csv`` and one feedback file per student.

    python tools/grade.py SUBMISSIONS [--out grades] [--nb 02] [--timeout 60] [--memory 4] [--jobs 2]
    make grade SUBMISSIONS=dir [OUT=dir]

**Who is who.** Each sub-folder of SUBMISSIONS is one student (its name is the student's name) and every
``*.ipynb`` inside it, at any depth, is theirs; a notebook directly in SUBMISSIONS is a student of its own,
named by its file name without ``.ipynb``. File names do not matter otherwise: which course notebook a file is
comes from its content (the exercise ids in its cell metadata, its setup cell, its title).

**How an exercise is graded**, without running the whole notebook (no training, seconds per student): the
student's cell for the exercise (the cell whose metadata carries the exercise's id, or, where that was lost,
the last cell that defines the function the checker takes, e.g. ``softmax``) runs after only the setup it needs
(the imports, functions and values of the course's own notebook before the exercise that the cell uses, plus
the student's own helper functions and imports), then the exercise's checker from ``utils/checks`` judges it.
Full points when the checker passes, 0 otherwise, with the checker's hint as the message.

**Safety.** Each submission runs in its own process in a scratch folder (its working, home and temporary
folder) with a memory limit, a time limit per exercise, and a Python audit hook that refuses writes, deletes,
renames outside the scratch folder, new processes and signals to other processes. An infinite loop, ``sys.exit``,
``os._exit``, a crash or a huge allocation costs that exercise its points (with a message); the process is
restarted for the student's remaining exercises, and the batch goes on. This protects against accidents and
ordinary misbehaviour, not against a determined attacker (C code called through ``ctypes`` is not watched, and
code running in the grader's process could tamper with it): read the code of surprising results, and grade
untrusted classes inside a container or as an unprivileged user.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import csv
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
COLUMNS = ["student", "notebook", "exercise", "points", "max_points", "verdict", "message"]
GRADER_FILE = "<course notebook>"  # the file name of the course's own setup code in tracebacks (not the student's)


# ================================================================================================ worker
# Runs in the child process: only the standard library and utils are imported here, never jupytext.


def worker(job_path: str, fd: int) -> None:
    job = json.loads(Path(job_path).read_text())
    scratch = os.path.realpath(job["scratch"])
    results = os.fdopen(fd, "w", buffering=1)

    def send(**record):
        results.write(json.dumps(record) + "\n")
        results.flush()

    import numpy  # noqa: F401 (loaded before the audit hook, like the checker module)

    from utils import exercises as framework

    framework.TIME_LIMIT = min(framework.TIME_LIMIT, job["call_limit"])
    modules = {ex["module"] for ex in job["exercises"]}
    checkers = {m: __import__(f"utils.checks.{m}", fromlist=["_"]) for m in modules}
    _guard(scratch)
    for ex in job["exercises"]:
        send(event="start", id=ex["id"])
        status, message = _grade_one(ex, checkers[ex["module"]], scratch)
        send(event="done", id=ex["id"], status=status, message=message)
    results.close()


def _grade_one(ex, module, scratch):
    names = {"__name__": "__main__", "__builtins__": builtins}
    try:
        for label, source in ex["program"]:
            if label == "student":
                path = os.path.join(scratch, f"cell_{ex['id'].replace('.', '_')}.py")
                Path(path).write_text(source)
                code = compile(source, path, "exec")
            else:
                code = compile(source, GRADER_FILE, "exec")
            try:
                exec(code, names)  # noqa: S102 (the point of a grader; in its own process and folder)
            except SyntaxError as error:
                return "error", f"your cell has a syntax error (line {error.lineno}): {error.msg}"
            except BaseException as error:  # noqa: BLE001 (anything the student's code raises is a verdict)
                if label != "student":
                    return "error", f"the course's setup for this exercise failed: {type(error).__name__}: {error}"
                if ex["argument"] not in names or isinstance(error, (SystemExit, KeyboardInterrupt, MemoryError)):
                    return "error", _raised(error, "running your cell")
    except SyntaxError as error:
        return "error", f"your cell has a syntax error (line {error.lineno}): {error.msg}"
    if ex["argument"] not in names:
        return "missing", (f"your cell for this exercise does not define `{ex['argument']}` (renamed?): "
                           "keep the name the exercise asks for")
    try:
        status, message = getattr(module, ex["checker"]).verdict(names[ex["argument"]])
    except BaseException as error:  # noqa: BLE001
        return "error", _raised(error, "checking your answer")
    return status, message


def _raised(error, doing):
    if isinstance(error, SystemExit):
        return f"your code called sys.exit()/exit() while {doing} (SystemExit {error.code!r}); a function must return"
    if isinstance(error, MemoryError):
        return f"your code ran out of memory while {doing} (the grader's limit): look for a huge array"
    text = " ".join(str(error).split())[:200]
    return f"your code raised {type(error).__name__}: {text} while {doing}"


def _guard(scratch: str) -> None:
    """Refuse, from now on, writes outside ``scratch``, new processes and signals to other processes."""
    inside = (scratch + os.sep, "/dev/null")
    paths = {"os.remove": 1, "os.rmdir": 1, "os.rename": 2, "os.mkdir": 1, "os.chmod": 1, "os.chown": 1,
             "os.truncate": 1, "os.symlink": 2, "os.link": 2, "os.utime": 1, "shutil.rmtree": 1,
             "shutil.move": 2, "shutil.copyfile": 2, "shutil.copytree": 2, "os.replace": 2}
    forbidden = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                 "os.forkpty", "pty.spawn", "os.killpg", "os.startfile", "socket.connect", "socket.bind")
    me = os.getpid()

    def allowed(path):
        if isinstance(path, int):
            return True
        real = os.path.realpath(os.fsdecode(path))
        return real.startswith(inside[0]) or real == inside[1]

    def hook(event, args):
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None))[:3]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND))
            if writing and not allowed(path):
                raise PermissionError(f"the grader does not let a submission write to {path}")
        elif event in paths:
            for path in args[: paths[event]]:
                if path is not None and not allowed(path):
                    raise PermissionError(f"the grader does not let a submission change {path}")
        elif event in forbidden:
            raise PermissionError(f"the grader does not let a submission use {event}")
        elif event == "os.kill" and args[0] != me:
            raise PermissionError("the grader does not let a submission signal other processes")

    sys.addaudithook(hook)


# ================================================================================================ the course


class Course:
    """The course notebooks' exercises and the setup statements each one may need (read once)."""

    def __init__(self):
        import jupytext
        from course import exercises_of, notebook_names, tags, title_of

        self.names = notebook_names()
        self.exercises, self.titles, self.statements = {}, {}, {}
        for name in self.names:
            cells = jupytext.read(ROOT / "notebooks" / f"{name}.py").cells
            self.titles[name] = title_of(cells[0].source) if cells else name
            found = [e for e in exercises_of(name, cells) if e["id"]]
            check_cells = {e["check_cell"] for e in found}
            self.exercises[name] = found
            for e in found:  # the course's setup before the exercise: untagged code, not checker calls
                sources = [c.source for j, c in enumerate(cells[: e["cell"]])
                           if c.cell_type == "code" and not tags(c) and j not in check_cells]
                self.statements[e["id"]] = [s for source in sources for s in statements(source)]

    def by_number(self, number: str):
        return next((n for n in self.names if n.startswith(number)), None)

    def identify(self, nb=None, text: str = "") -> str | None:
        """Which course notebook a submission is: exercise ids, then setup cell, then title, then checkers."""
        if nb is not None:
            ids = [c.metadata.get("exercise", {}).get("id", "") for c in nb.cells if isinstance(c.metadata, dict)]
            text = "\n".join(c.get("source", "") for c in nb.cells if isinstance(c.get("source"), str))
            for found in ids:
                match = re.match(r"nb(\d\d)\.", str(found))
                if match and self.by_number(match.group(1)):
                    return self.by_number(match.group(1))
        for pattern in (r'"id":\s*\\?"nb(\d\d)\.', r'utils\.setup\(\s*\\?["\'](\d\d)_', r'^\W*# (\d\d) ·',
                        r"checks\.nb(\d\d)\b"):
            for match in re.finditer(pattern, text, flags=re.M):
                if self.by_number(match.group(1)):
                    return self.by_number(match.group(1))
        return None


class Statement:
    """One top-level statement: its source, the names it defines (or changes) and the names it reads."""

    def __init__(self, source: str, node: ast.stmt):
        self.source = source
        self.kills, self.touches, self.uses = _names(node)

    @property
    def defines(self):
        return self.kills | self.touches


def statements(source: str) -> list[Statement]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [Statement(ast.get_source_segment(source, node) or "", node) for node in tree.body]


def _names(node):
    """``(defined, changed, read)`` names of a statement: read ones exclude those it binds itself."""
    stored, loaded, local = set(), set(), set()
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        stored.add(node.name)
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        stored.update((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")
    changed = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            (loaded if isinstance(sub.ctx, ast.Load) else local).add(sub.id)
        elif isinstance(sub, ast.arg):
            local.add(sub.arg)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub is not node:
            local.add(sub.name)
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.For, ast.With)):
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)] + [
            i.optional_vars for i in getattr(node, "items", [])]
        for target in filter(None, targets):
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name):
                    (stored if isinstance(sub.ctx, ast.Store) else changed).add(sub.id)  # x[0] = ...: x changes
    elif isinstance(node, ast.AugAssign):
        changed.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):  # normalizer.adapt(x): changes normalizer
        base = node.value.func
        while isinstance(base, (ast.Attribute, ast.Subscript)):
            base = base.value
        if isinstance(base, ast.Name) and base is not node.value.func:
            changed.add(base.id)
    return stored, changed, (loaded - local - stored) - set(dir(builtins))


def free_names(source: str) -> set:
    found = set()
    for s in statements(source):
        found |= s.uses
    return found - {n for s in statements(source) for n in s.kills}


def program_for(course: Course, ex: dict, cell_source: str, own: list[Statement]) -> list:
    """What runs for one exercise: the setup it needs, the student's helpers, then the student's cell."""
    needed = free_names(cell_source)
    course_defines = {n for s in course.statements[ex["id"]] for n in s.defines} | {"utils", "ctx"}
    helpers, wanted = [], needed - course_defines
    for s in reversed(own):  # the student's own functions and imports that the cell uses, transitively
        if s.defines & wanted:
            helpers.insert(0, s)
            wanted = (wanted - s.kills) | (s.uses - course_defines)
    for s in helpers:
        needed |= s.uses
    chosen = []
    for s in reversed(course.statements[ex["id"]]):  # a backward slice of the course's setup
        if s.defines & needed:
            chosen.insert(0, s)
            needed = (needed - s.kills) | s.uses
    head = "import utils\n"
    if "ctx" in needed:
        head += f"ctx = utils.setup({ex['notebook']!r}, verbose=False)\n"
    return ([("course", head)] + [("course", s.source) for s in chosen]
            + [("student", s.source) for s in helpers] + [("student", cell_source)])


# ================================================================================================ grading


def find_cell(nb, ex: dict):
    """The student's cell for an exercise: the last one carrying its id or defining its function."""
    from course import defined_names, tags

    found = None
    for cell in nb.cells:
        if cell.get("cell_type") != "code" or "solution" in tags(cell) or not isinstance(cell.get("source"), str):
            continue
        meta = cell.metadata.get("exercise", {}) if isinstance(cell.metadata, dict) else {}
        if (isinstance(meta, dict) and meta.get("id") == ex["id"]) or ex["argument"] in defined_names(cell.source):
            found = cell
    return found


def own_statements(nb, skip) -> list[Statement]:
    """The student's functions, classes and imports in their other cells (cheap to define, no side effects)."""
    from course import tags

    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
    out = []
    for cell in nb.cells:
        if cell is skip or cell.get("cell_type") != "code" or "solution" in tags(cell):
            continue
        try:
            tree = ast.parse(cell.source)
        except (SyntaxError, TypeError, ValueError):
            continue
        out += [Statement(ast.get_source_segment(cell.source, n) or "", n) for n in tree.body if isinstance(n, kinds)]
    return out


def load(path: Path, course: Course):
    """``(notebook name or None, parsed notebook or None, error message or "")``."""
    import nbformat

    raw = path.read_bytes()
    text = raw.decode("utf-8", errors="replace")
    try:
        nb = nbformat.reads(text, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("it has no list of cells")
    except Exception as error:  # noqa: BLE001 (any way a file can fail to be a notebook)
        reason = " ".join(str(error).split())[:160]
        return course.identify(text=text), None, (f"{path.name} is not a notebook Jupyter can open ({reason}); "
                                                  "re-save it from Jupyter and submit it again")
    return course.identify(nb), nb, ""


# Submissions are graded in threads, but Python 3.11's ast.parse is not thread-safe (two parses at once can fail
# with "SystemError: AST constructor recursion depth mismatch", CPython issue gh-106905): reading a submission
# and writing its programs happen one file at a time; only the graders' worker processes overlap.
_PREPARING = threading.Lock()


def grade_file(path: Path, student: str, course: Course, scratch_root: Path, opts) -> list[dict]:
    with _PREPARING:
        prepared = _prepare(path, student, course)
    if isinstance(prepared, list):  # nothing to run: the rows say why
        return prepared
    name, exercises, jobs, verdicts = prepared
    scratch = Path(tempfile.mkdtemp(prefix="submission-", dir=scratch_root))
    verdicts.update(run_jobs(jobs, scratch, opts))
    return [row(student, name, ex["id"], ex["points"] if verdicts[ex["id"]][0] == "passed" else 0, ex["points"],
                *verdicts[ex["id"]]) for ex in exercises]


def _prepare(path: Path, student: str, course: Course):
    """``(name, exercises, jobs, verdicts so far)`` for one submitted file, or its rows when nothing can run."""
    name, nb, error = load(path, course)
    if name is None:
        return [row(student, "?", "-", 0, 0, "unknown", error or f"{path.name} is none of the course's notebooks "
                    "(no exercise ids, setup cell or title of one)")]
    exercises = course.exercises[name]
    if nb is None:
        return [row(student, name, ex["id"], 0, ex["points"], "unreadable", error) for ex in exercises]
    jobs, verdicts = [], {}
    for ex in exercises:
        cell = find_cell(nb, ex)
        if cell is None:
            verdicts[ex["id"]] = ("missing", f"no cell defines `{ex['argument']}`: the exercise cell was deleted "
                                  "or its function renamed")
            continue
        program = program_for(course, {**ex, "notebook": name}, cell.source, own_statements(nb, cell))
        jobs.append({"id": ex["id"], "module": ex["module"], "checker": ex["checker"],
                     "argument": ex["argument"], "program": program})
    return name, exercises, jobs, verdicts


def grade_safely(path, student, course, scratch_root, opts) -> list[dict]:
    """``grade_file``, but a failure of the grader itself on one file costs that file, never the batch."""
    try:
        return grade_file(path, student, course, scratch_root, opts)
    except Exception as error:  # noqa: BLE001
        return [row(student, "?", "-", 0, 0, "error", f"the grader failed on {path.name}: "
                    f"{type(error).__name__}: {error}; grade it by hand")]


def row(student, notebook, exercise, points, max_points, verdict, message):
    return dict(zip(COLUMNS, [student, notebook, exercise, points, max_points, verdict, message], strict=True))


def run_jobs(jobs: list, scratch: Path, opts) -> dict:
    """Run the exercises in worker processes (a new one after each crash or time-out); id -> (status, message)."""
    verdicts, left = {}, list(jobs)
    while left:
        job_path = scratch / "job.json"
        job_path.write_text(json.dumps({"scratch": str(scratch), "call_limit": max(0.5, opts.timeout / 4),
                                        "exercises": left}))
        log = scratch / "worker.log"
        read, write = os.pipe()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(scratch), "TMPDIR": str(scratch),
               "MPLCONFIGDIR": str(scratch), "MPLBACKEND": "Agg", "KERAS_HOME": str(scratch), "PYTHONPATH": str(ROOT),
               "PYTHONDONTWRITEBYTECODE": "1", "COURSE_MODE": "smoke", "OMP_NUM_THREADS": "1",
               "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0"}
        with open(log, "ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-X", "faulthandler", str(Path(__file__).resolve()), "--worker", str(job_path),
                 str(write)], cwd=scratch, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                pass_fds=[write], start_new_session=True, preexec_fn=_limits(opts.memory))
        os.close(write)
        current, done, buffer = None, set(), b""
        deadline = time.monotonic() + opts.timeout + opts.startup
        with os.fdopen(read, "rb") as pipe:
            while True:
                wait = deadline - time.monotonic()
                ready = select.select([pipe], [], [], max(0.0, wait))[0] if wait > 0 else []
                if not ready:  # time is up: stop the whole process group
                    _kill(process)
                    if current:
                        verdicts[current] = ("timeout", f"stopped after {opts.timeout:g} s: look for a loop that "
                                             "never ends (or code that runs far too long)")
                        done.add(current)
                    break
                chunk = os.read(pipe.fileno(), 65536)
                if not chunk:
                    break
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    try:
                        record = json.loads(line)
                        record["event"], record["id"]  # noqa: B018 (present, or the line is not the worker's)
                    except (ValueError, KeyError, TypeError):
                        continue
                    if record["event"] == "start":
                        current, deadline = record["id"], time.monotonic() + opts.timeout
                    else:
                        verdicts[record["id"]] = (record["status"], record["message"])
                        done.add(record["id"])
                        current = None
        code = process.wait()
        if current and current not in done:
            verdicts[current] = ("crashed", _crash_message(code, log))
            done.add(current)
        if not done:  # the worker died before starting anything: the rest cannot be graded this way
            for job in left:
                verdicts[job["id"]] = ("error", "the grader could not start: " + _tail(log))
            break
        left = [job for job in left if job["id"] not in done]
    return verdicts


def _limits(memory_gib: float):
    def apply():
        import resource

        limit = int(memory_gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 2**20, 64 * 2**20))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large file gets an error, not a dead process
    return apply


def _kill(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _crash_message(code, log):
    if code is not None and code < 0:
        how = f"was killed by signal {signal.Signals(-code).name}"
        if -code == signal.SIGSEGV:
            how += " (a crash inside compiled code)"
    else:
        how = f"ended with exit code {code} (os._exit() or a hard exit)"
    return f"the grading process {how} while running this exercise: {_tail(log)}".rstrip(": ")


def _tail(log: Path) -> str:
    try:
        lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return " ".join(lines[-2:])[-240:]


# ================================================================================================ the class


def submissions(folder: Path) -> list[tuple[str, Path]]:
    """``(student, notebook file)`` pairs: sub-folder = student; a loose file = a student named by the file."""
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            found += [(entry.name, p) for p in sorted(entry.rglob("*.ipynb"))
                      if ".ipynb_checkpoints" not in p.parts]
        elif entry.suffix == ".ipynb":
            found.append((entry.stem, entry))
    return found


def grade(folder: Path, out: Path, opts) -> list[dict]:
    course = Course()
    pairs = submissions(folder)
    if not pairs:
        raise SystemExit(f"No notebooks in {folder}: put one folder per student (or one .ipynb per student) there.")
    expected = [course.by_number(n) or sys.exit(f"No course notebook {n}") for n in opts.nb]
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp, ThreadPoolExecutor(opts.jobs) as pool:
        scratch_root = Path(tmp)
        batches = list(pool.map(lambda p: grade_safely(p[1], p[0], course, scratch_root, opts), pairs))
    rows = []
    best = {}
    for (student, path), batch in zip(pairs, batches, strict=True):  # the same notebook twice: keep the best file
        key = (student, batch[0]["notebook"])
        score = sum(r["points"] for r in batch)
        if key[1] == "?" or key not in best or score > best[key][0]:
            best[key if key[1] != "?" else (student, str(path))] = (score, batch)
    for _, batch in best.values():
        rows += batch
    students = sorted({s for s, _ in pairs})
    for student in students:
        for name in expected:
            if (student, name) not in best:
                rows += [row(student, name, ex["id"], 0, ex["points"], "missing", "no submission of this notebook")
                         for ex in course.exercises[name]]
    rows.sort(key=lambda r: (r["student"], r["notebook"]))
    write(out, rows, course)
    return rows


def write(out: Path, rows: list, course: Course) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "grades.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    marks = {"passed": "✓", "not solved": "○"}
    for student in sorted({r["student"] for r in rows}):
        mine = [r for r in rows if r["student"] == student]
        lines = [f"# Feedback for {student}", ""]
        for notebook in dict.fromkeys(r["notebook"] for r in mine):
            part = [r for r in mine if r["notebook"] == notebook]
            title = course.titles.get(notebook, notebook)
            lines += [f"## {title}: {sum(r['points'] for r in part)} / {sum(r['max_points'] for r in part)} points",
                      "", "| exercise | points | verdict | what to look at |", "|---|---|---|---|"]
            for r in part:
                message = r["message"].replace("|", "\\|").replace("\n", " ")
                lines.append(f"| {r['exercise']} | {r['points']} / {r['max_points']} | "
                             f"{marks.get(r['verdict'], '✗')} {r['verdict']} | {message} |")
            lines.append("")
        (feedback / f"{_safe(student)}.md").write_text("\n".join(lines))


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "student"


def missing_modules(folder: Path, expected: list) -> dict:
    """Notebook -> the packages its checkers import that this environment lacks (e.g. Keras in the light one)."""
    import importlib.util

    course = Course()
    names = set(expected) | {load(path, course)[0] for _, path in submissions(folder)}
    missing = {}
    for name in sorted(n for n in names if n):
        tops = _imports(ROOT / "utils" / "checks" / f"nb{name[:2]}.py", set())
        lacking = sorted(m for m in tops if importlib.util.find_spec(m) is None)
        if lacking:
            missing[name] = lacking
    return missing


def export_nbgrader(out: Path) -> None:
    """Write each course notebook as an nbgrader source notebook (the release and autograde input).

    Each solution cell becomes an nbgrader solution cell (``### BEGIN SOLUTION`` / ``### END SOLUTION`` around
    it, ``grade_id`` = our id) in place of its stub, and each checker call an autograded test cell
    (``assert check_x(f)``, ``grade_id`` = id + ``_test``, our points).
    """
    import jupytext
    import nbformat
    from course import CHECK_CALL, exercises_of, notebook_names

    out.mkdir(parents=True, exist_ok=True)
    for name in notebook_names():
        nb = jupytext.read(ROOT / "notebooks" / f"{name}.py")
        cells, drop = nb.cells, set()
        for e in (e for e in exercises_of(name, cells) if e["id"] and e["solution"] is not None):
            drop.add(e["cell"])  # nbgrader makes the stub from the solution's markers
            solution, test = cells[e["solution"]], cells[e["check_cell"]]
            solution.source = _with_markers(re.sub(r"  # noqa: F811.*", "", solution.source))
            solution.metadata["nbgrader"] = {"grade_id": e["id"], "solution": True, "grade": False,
                                             "locked": False, "schema_version": 3}
            call = next(m for m in CHECK_CALL.finditer(test.source) if m.group(1) == e["checker"])
            line_start = test.source.rfind("\n", 0, call.start()) + 1
            test.source = test.source[:line_start] + "assert " + test.source[line_start:]
            test.metadata["nbgrader"] = {"grade_id": f"{e['id']}_test", "points": e["points"], "grade": True,
                                         "solution": False, "locked": True, "schema_version": 3}
        nb.cells = [c for i, c in enumerate(cells) if i not in drop]
        nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
        nbformat.write(nb, out / f"{name}.ipynb")
        print(f"{out / name}.ipynb: {len(drop)} exercise(s) as nbgrader cells")


def _with_markers(source: str) -> str:
    """nbgrader's solution markers: around a lone function's body (its signature and docstring stay), else all."""
    tree = ast.parse(source)
    if len(tree.body) == 1 and isinstance(tree.body[0], ast.FunctionDef):
        body = tree.body[0].body
        if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and len(body) > 1:
            body = body[1:]  # the docstring stays with the signature
        lines, indent = source.rstrip().splitlines(), " " * body[0].col_offset
        first, last = body[0].lineno - 1, tree.body[0].end_lineno
        return "\n".join(lines[:first] + [f"{indent}### BEGIN SOLUTION"] + lines[first:last]
                         + [f"{indent}### END SOLUTION"] + lines[last:])
    return f"### BEGIN SOLUTION\n{source.rstrip()}\n### END SOLUTION"


def _imports(path: Path, seen: set) -> set:
    """Top-level packages a module of utils imports, following its imports of other utils modules."""
    if path in seen or not path.exists():
        return set()
    seen.add(path)
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = (node.module or "") if not node.level else "utils." + (node.module or "")
            base = base.rstrip(".") if node.level != 1 else f"utils.checks.{node.module or ''}".rstrip(".")
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            if parts[0] != "utils":
                found |= {parts[0]} - {"__future__"}
                continue
            module = ROOT.joinpath(*parts)
            for candidate in (module.with_suffix(".py"), module / "__init__.py"):
                found |= _imports(candidate, seen)
    return found


def main(argv=None) -> int:
    if argv is None and len(sys.argv) == 4 and sys.argv[1] == "--worker":
        worker(sys.argv[2], int(sys.argv[3]))
        return 0
    sys.path.insert(0, str(HERE))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", type=Path, nargs="?", help="a folder: one sub-folder (or .ipynb) per student")
    parser.add_argument("--out", type=Path, default=Path("grades"), help="where grades.csv and feedback/ go")
    parser.add_argument("--nb", nargs="*", default=[], help="notebooks every student should have handed in, "
                        "e.g. 02 (a missing one scores 0)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds one exercise may take (default 60)")
    parser.add_argument("--startup", type=float, default=60, help="seconds a worker may take to start (default 60)")
    parser.add_argument("--memory", type=float, default=4, help="GiB of memory per submission (default 4)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions graded at once")
    parser.add_argument("--light-enough", action="store_true", help="grade nothing; exit 1 if the checkers of the "
                        "submitted notebooks import a package this environment lacks (make grade then installs all)")
    parser.add_argument("--export-nbgrader", type=Path, metavar="DIR", help="grade nothing; write the course "
                        "notebooks as nbgrader source notebooks into DIR (solution markers, grade_id, points)")
    opts = parser.parse_args(argv)
    if opts.export_nbgrader:
        export_nbgrader(opts.export_nbgrader)
        return 0
    if opts.submissions is None or not opts.submissions.is_dir():
        print(f"{opts.submissions} is not a folder: give the folder holding the submissions.")
        return 2
    if opts.light_enough:
        course = Course()
        lacking = missing_modules(opts.submissions, [course.by_number(n) for n in opts.nb if course.by_number(n)])
        for name, modules in lacking.items():
            print(f"{name}: its checkers import {', '.join(modules)}, not installed: installing the full environment")
        return 1 if lacking else 0
    start = time.perf_counter()
    rows = grade(opts.submissions, opts.out, opts)
    students = sorted({r["student"] for r in rows})
    for student in students:
        mine = [r for r in rows if r["student"] == student]
        print(f"{student}: {sum(r['points'] for r in mine)} / {sum(r['max_points'] for r in mine)}")
    print(f"{len(students)} student(s), {len(rows)} exercise verdicts in {time.perf_counter() - start:.1f} s: "
          f"{opts.out / 'grades.csv'}, {opts.out / 'feedback'}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
