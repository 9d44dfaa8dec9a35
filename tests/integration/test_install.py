"""`make install` as a packager (DESTDIR) and as an administrator (PREFIX)
uses it: the files and modes it installs, that it keeps an edited config,
that systemd accepts its units, and that the installed binary runs with
the example production config."""
import json
import re
import os
import shutil
import stat
import subprocess
import tempfile

import harness
from harness import Group, check, eq, scaled

g = Group("install", node=False)


def make_install(*assignments):
    flavour = os.path.basename(harness.BUILD.rstrip("/"))
    args = ["make", "-s", "--no-print-directory", "install"]
    if flavour == "address":
        args.append("SANITIZER=address")
    r = subprocess.run(args + list(assignments), cwd=harness.TOP,
                       capture_output=True, text=True, timeout=scaled(300))
    eq(r.returncode, 0, "make install %s (stderr %r)"
       % (" ".join(assignments), r.stderr[-2000:]))


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@g.test("DESTDIR install: binaries, units with the paths filled in, "
        "sysusers, logrotate, config 0640 in a 0750 directory; an edited "
        "config survives a second install")
def _(n):
    d = tempfile.mkdtemp(prefix="idnode-install-")
    try:
        make_install("DESTDIR=" + d, "PREFIX=/usr")
        for b in ("idnode", "idctl"):
            eq(mode(os.path.join(d, "usr/bin", b)), 0o755, b + " mode")
        units = os.path.join(d, "usr/lib/systemd/system")
        eq(sorted(os.listdir(units)),
           ["idnode-redis.service", "idnode.service"], "units")
        unit = open(os.path.join(units, "idnode.service")).read()
        check("ExecStart=/usr/bin/idnode -c /etc/idnode/idnode.json" in unit,
              "ExecStart path not filled in:\n" + unit)
        for units_text in (unit, open(os.path.join(
                units, "idnode-redis.service")).read()):
            check(not re.search(r"@[A-Z]+@", units_text),
                  "a placeholder is left in a unit")
        for key in ("User=idnode", "NoNewPrivileges=yes",
                    "ProtectSystem=strict", "ReadWritePaths=",
                    "LimitNOFILE="):
            check(key in unit, "idnode.service lacks " + key)
        eq(mode(os.path.join(d, "etc/idnode")), 0o750, "etc/idnode mode")
        conf = os.path.join(d, "etc/idnode/idnode.json")
        eq(mode(conf), 0o640, "config mode")
        eq(mode(os.path.join(d, "etc/idnode/redis.conf")), 0o640,
           "redis.conf mode")
        check(os.path.exists(os.path.join(d, "usr/lib/sysusers.d/idnode.conf")),
              "no sysusers file")
        check("net.ipv4.tcp_migrate_req = 1" in open(os.path.join(
            d, "usr/lib/sysctl.d/idnode.conf")).read(), "no sysctl file")
        check(os.path.exists(os.path.join(d, "etc/logrotate.d/idnode")),
              "no logrotate file")
        check(os.path.exists(os.path.join(
            d, "usr/share/doc/idnode/operations.md")), "no operations.md")
        with open(conf, "w") as f:
            f.write('{"http_port": 8080}\n')
        make_install("DESTDIR=" + d, "PREFIX=/usr")
        eq(open(conf).read(), '{"http_port": 8080}\n', "edited config kept")
    finally:
        shutil.rmtree(d, ignore_errors=True)


@g.test("systemd-analyze verify accepts both installed units")
def _(n):
    d = tempfile.mkdtemp(prefix="idnode-install-")
    try:
        make_install("PREFIX=" + d + "/usr", "SYSCONFDIR=" + d + "/etc")
        units = os.path.join(d, "usr/lib/systemd/system")
        r = subprocess.run(
            ["systemd-analyze", "verify",
             os.path.join(units, "idnode.service"),
             os.path.join(units, "idnode-redis.service")],
            capture_output=True, text=True, timeout=scaled(60))
        eq((r.returncode, r.stderr.strip()), (0, ""), "systemd-analyze verify")
    finally:
        shutil.rmtree(d, ignore_errors=True)


@g.test("the installed idnode serves with the example production config "
        "(only paths and ports changed)")
def _(n):
    d = tempfile.mkdtemp(prefix="idnode-install-")
    node = harness.Node("install-run")
    try:
        make_install("PREFIX=" + d + "/usr", "SYSCONFDIR=" + d + "/etc")
        example = json.load(open(os.path.join(d, "etc/idnode/idnode.json")))
        node.start_redis()
        node.pick_ports()
        key = os.path.join(d, "node.key")
        with open(key, "wb") as f:
            f.write(os.urandom(32))
        os.chmod(key, 0o600)
        mine = node.config()
        example.update({k: mine[k] for k in (
            "handle_bind", "handle_port", "http_bind", "http_port",
            "admin_port", "redis_socket")})
        example.update(secret_key_file=key,
                       log_file=os.path.join(d, "idnode.log"))
        cfg = os.path.join(d, "etc/idnode/idnode.json")
        with open(cfg, "w") as f:
            json.dump(example, f)
        binary = os.path.join(d, "usr/bin/idnode")
        r = subprocess.run([binary, "--check-config", "-c", cfg],
                           capture_output=True, text=True, timeout=scaled(20))
        eq(r.returncode, 0, "check-config (stderr %r)" % r.stderr)
        p = subprocess.Popen([binary, "-c", cfg], stderr=subprocess.PIPE)
        try:
            node.config_path = cfg
            st, body = None, b""
            for _ in range(int(scaled(50))):
                try:
                    st, _, body = node.http("GET", "/healthz", timeout=1.0)
                    break
                except OSError:
                    harness.time.sleep(0.1)
            eq(st, 200, "GET /healthz of the installed node")
        finally:
            p.terminate()
            eq(p.wait(timeout=scaled(10)), 0, "exit status after SIGTERM")
            p.stderr.close()
    finally:
        node.stop_redis()
        node.cleanup()
        shutil.rmtree(d, ignore_errors=True)
