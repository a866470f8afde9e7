"""Builds a .ipynb from a notebook source (.csx in the percent format) and executes it with the C# kernel.

Run by Debian's /usr/bin/python3 (nbclient, nbformat). Called by notebooks/run; see notebooks/README.md.

Source format: plain C# script text; a line `// %%` starts a code cell, a line `// %% [markdown]` starts a
markdown cell whose lines are written as `// text` (the `// ` is removed). Lines before the first marker are ignored.
"""
import argparse
import re
import signal
import sys
import time

import nbclient
import nbformat
from nbclient.exceptions import CellExecutionError, CellTimeoutError

KERNEL = {"name": ".net-csharp", "display_name": ".NET (C#)", "language": "C#"}
MARKER = re.compile(r"^// %%(?:\s*\[(?P<kind>\w+)\])?\s*$")
NUGET = re.compile(r'^#r\s+"nuget:\s*(?P<name>[^,"]+?)\s*,\s*(?P<version>[^"]+?)\s*"', re.M)


def build(source_path):
    """The notebook (no outputs) that a source file describes."""
    cells, kind, lines = [], None, []

    def flush():
        if kind is None:
            return
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if kind == "markdown":
            text = "\n".join(re.sub(r"^// ?", "", l) if l.startswith("//") else l for l in lines)
            cells.append(nbformat.v4.new_markdown_cell(text))
        else:
            cells.append(nbformat.v4.new_code_cell("\n".join(lines)))

    with open(source_path, encoding="utf-8") as f:
        for line in f.read().splitlines():
            m = MARKER.match(line)
            if m:
                flush()
                kind, lines = ("markdown" if m.group("kind") == "markdown" else "code"), []
                if m.group("kind") not in (None, "markdown"):
                    raise SystemExit(f"{source_path}: unknown cell kind [{m.group('kind')}] in '{line}' (use // %% or // %% [markdown])")
            else:
                lines.append(line)
    flush()
    if not cells:
        raise SystemExit(f"{source_path}: no cells (a cell starts with a line '// %%' or '// %% [markdown]')")
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = dict(KERNEL)
    nb.metadata["language_info"] = {"name": "C#", "file_extension": ".cs", "mimetype": "text/x-csharp", "pygments_lexer": "csharp"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    return nb


def check_nuget_pins(source_path, props_path):
    """Every `#r "nuget: Name, Version"` must be the version Directory.Packages.props pins."""
    with open(props_path, encoding="utf-8") as f:
        props = f.read()
    pins = {m.group(1).lower(): m.group(2) for m in re.finditer(r'<PackageVersion\s+Include="([^"]+)"\s+Version="([^"]+)"', props)}
    with open(source_path, encoding="utf-8") as f:
        text = f.read()
    for m in NUGET.finditer(text):
        name, version = m.group("name"), m.group("version")
        if pins.get(name.lower()) != version:
            raise SystemExit(f"{source_path}: #r \"nuget: {name}, {version}\" is not the version {props_path} pins "
                             f"({pins.get(name.lower(), 'not pinned')}); pin it there and use the same version")


def problems(nb):
    """Cell outputs that must not be committed: errors and stderr text; and whether any picture was produced."""
    found, pictures = [], 0
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"cell {i + 1}: {out.get('ename')}: {out.get('evalue')}")
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                found.append(f"cell {i + 1}: stderr: {out.get('text', '').strip()[:400]}")
            pictures += sum(1 for k in out.get("data", {}) if k.startswith("image/"))
    return found, pictures


def drop_kernel_bootstrap(nb):
    """The kernel's first output is a hidden script for Polyglot Notebooks' front end; it shows nothing in Jupyter."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if "probeAddresses" not in str(o.get("data", {}).get("text/html", ""))]


def cell_seconds(nb):
    """(cell index, seconds) by decreasing time; removes the timestamps so that reruns do not change the file."""
    from datetime import datetime
    times = []
    for i, cell in enumerate(nb.cells):
        ex = cell.get("metadata", {}).pop("execution", None)
        if ex and "iopub.execute_input" in ex and "shell.execute_reply" in ex:
            parse = lambda t: datetime.fromisoformat(t.replace("Z", "+00:00"))
            times.append((i, (parse(ex["shell.execute_reply"]) - parse(ex["iopub.execute_input"])).total_seconds()))
    return sorted(times, key=lambda x: -x[1])


def first_line(cell):
    return next((l for l in cell.source.splitlines() if l.strip()), "").strip()[:100]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("source")
    p.add_argument("output")
    p.add_argument("--cwd", required=True, help="the kernel's working folder (relative paths in cells start here)")
    p.add_argument("--timeout", type=int, default=300, help="seconds for the whole notebook")
    p.add_argument("--props", required=True, help="Directory.Packages.props (the NuGet pins)")
    p.add_argument("--committed", help="the committed .ipynb: fail when its cells differ from the source's")
    a = p.parse_args()

    name = a.source
    check_nuget_pins(a.source, a.props)
    nb = build(a.source)
    if a.committed:
        try:
            old = nbformat.read(a.committed, as_version=4)
            stale = [(c.cell_type, c.source) for c in old.cells] != [(c.cell_type, c.source) for c in nb.cells]
        except FileNotFoundError:
            stale = True
        if stale:
            print(f"{name}: {a.committed} is missing or its cells differ from the source; run notebooks/run --update", file=sys.stderr)
            return 1

    def deadline(signum, frame):
        raise TimeoutError(f"the notebook took more than {a.timeout} s")

    signal.signal(signal.SIGALRM, deadline)
    signal.alarm(a.timeout)
    client = nbclient.NotebookClient(nb, timeout=a.timeout, kernel_name=KERNEL["name"], record_timing=True,
                                     resources={"metadata": {"path": a.cwd}})
    start = time.monotonic()
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, TimeoutError) as e:
        signal.alarm(0)
        index = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "execution_count" in c
                      and c.get("outputs") and any(o.get("output_type") == "error" for o in c.outputs)), None)
        if index is None:   # a timeout: the last cell that started
            index = max((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.get("execution_count")), default=0)
        cell = nb.cells[index]
        print(f"{name}: cell {index + 1} failed ({first_line(cell)}):", file=sys.stderr)
        said = [o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr"]
        said += [f"{o.get('ename')}: {o.get('evalue')}" for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if isinstance(e, (CellTimeoutError, TimeoutError)):
            said.append(str(e).strip().splitlines()[-1])
        lines = [l for l in "\n".join(said).splitlines() if l.strip()]
        print("\n".join("    " + l for l in lines[:40]), file=sys.stderr)
        cell_seconds(nb)
        nbformat.write(nb, a.output)
        return 1
    signal.alarm(0)
    slow = cell_seconds(nb)
    drop_kernel_bootstrap(nb)
    found, pictures = problems(nb)
    if pictures == 0:
        found.append("no picture (image/* output) in any cell")
    if found:
        print(f"{name}: " + "; ".join(found), file=sys.stderr)
        nbformat.write(nb, a.output)
        return 1
    nbformat.write(nb, a.output)
    print(f"{name}: {len(nb.cells)} cells, {pictures} pictures, {time.monotonic() - start:.0f} s"
          + (" (slowest: " + ", ".join(f"cell {i + 1} {t:.0f} s" for i, t in slow[:3]) + ")" if slow else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
