"""docs/openapi.yaml against the routes idnode registers (`--routes`)."""
import os
import re
import subprocess

import harness
from harness import Group, check, eq, scaled

g = Group("openapi", node=False)

SPEC = os.path.join(harness.TOP, "docs", "openapi.yaml")
METHODS = ("get", "head", "post", "put", "delete", "patch", "options",
           "trace")
ROUTE_LINE = re.compile(r"^(GET|HEAD|POST|PUT|DELETE) (/\S*)$")
PATH_LINE = re.compile(r"^  (['\"]?)(/[^'\"\s]*)\1:\s*(#.*)?$")
METHOD_LINE = re.compile(r"^    (%s):\s*(#.*)?$" % "|".join(METHODS))
REF_LINE = re.compile(r"\$ref:\s*(['\"]?)([^'\"\s]+)\1\s*$")
LOCAL_REF = re.compile(r"^#/components/([A-Za-z]+)/([A-Za-z0-9._-]+)$")


def read_spec():
    with open(SPEC, encoding="utf-8") as f:
        return f.read()


def top_sections(text):
    """{top-level key: [(lineno, line)]} of a block-style YAML text."""
    out, cur = {}, None
    for no, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            cur = line.split(":", 1)[0].strip()
            check(cur not in out, "%s:%d: top-level key %r twice"
                  % (SPEC, no, cur))
            out[cur] = []
        elif cur is not None:
            out[cur].append((no, line))
    return out


def spec_operations(text):
    """{(METHOD, path)} under `paths:`; checks the structure on the way."""
    check("\t" not in text, "%s has a tab (YAML indents with spaces)" % SPEC)
    check(re.search(r"(?m)^openapi: ['\"]?3\.0\.\d+['\"]?$", text),
          "%s does not start with 'openapi: 3.0.x'" % SPEC)
    sections = top_sections(text)
    for key in ("info", "paths", "components"):
        check(key in sections, "%s has no top-level %r" % (SPEC, key))
    ops, path, bare = set(), None, []
    for no, line in sections["paths"]:
        m = PATH_LINE.match(line)
        if m:
            if path is not None and not any(p == path for _, p in ops):
                bare.append(path)
            path = m.group(2)
            continue
        check(not re.match(r"^  \S", line),
              "%s:%d: not a path under paths: %r" % (SPEC, no, line))
        m = METHOD_LINE.match(line)
        if m:
            op = (m.group(1).upper(), path)
            check(op not in ops, "%s:%d: %s %s twice" % ((SPEC, no) + op))
            ops.add(op)
    if path is not None and not any(p == path for _, p in ops):
        bare.append(path)
    check(ops, "%s: no operations under paths:" % SPEC)
    check(not bare, "%s: paths without a method: %s" % (SPEC, ", ".join(bare)))
    return ops


def served_routes():
    """{(METHOD, path)} from `idnode --routes`."""
    exe = os.path.join(harness.BUILD, "idnode")
    p = subprocess.run([exe, "--routes"], capture_output=True, text=True,
                       timeout=scaled(10), stdin=subprocess.DEVNULL)
    eq(p.returncode, 0, "idnode --routes exit status (stderr %r)" % p.stderr)
    routes = set()
    for line in p.stdout.splitlines():
        m = ROUTE_LINE.match(line)
        check(m, "idnode --routes: not 'METHOD /path': %r" % line)
        routes.add((m.group(1), m.group(2)))
    check(routes, "idnode --routes printed nothing")
    return routes


@g.test("the spec has exactly the routes and methods idnode --routes "
        "lists")
def _(n):
    routes = served_routes()
    ops = spec_operations(read_spec())
    problems = ["served but not in docs/openapi.yaml: %s %s" % op
                for op in sorted(routes - ops, key=lambda o: (o[1], o[0]))]
    problems += ["in docs/openapi.yaml but not served: %s %s" % op
                 for op in sorted(ops - routes, key=lambda o: (o[1], o[0]))]
    check(not problems, "\n".join(problems))


@g.test("every $ref in the spec names a component it defines")
def _(n):
    text = read_spec()
    defined, section = set(), None
    for no, line in top_sections(text).get("components", []):
        m = re.match(r"^  ([A-Za-z]+):\s*$", line)
        if m:
            section = m.group(1)
            continue
        m = re.match(r"^    ([A-Za-z0-9._-]+):\s*$", line)
        if m and section:
            defined.add((section, m.group(1)))
    check(("schemas", "Error") in defined,
          "components/schemas not found (or no Error schema) in %s" % SPEC)
    problems, nrefs = [], 0
    for no, line in enumerate(text.splitlines(), 1):
        if "$ref" not in line:
            continue
        m = REF_LINE.search(line)
        ref = LOCAL_REF.match(m.group(2)) if m else None
        if not ref:
            problems.append("line %d: not a '#/components/SECTION/NAME' "
                            "$ref: %s" % (no, line.strip()))
            continue
        nrefs += 1
        if ref.groups() not in defined:
            problems.append("line %d: %s is not defined" % (no, m.group(2)))
    check(nrefs > 0, "no $ref found in %s" % SPEC)
    check(not problems, "\n".join(problems))
