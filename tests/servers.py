"""Real and scripted XMPP servers on loopback, for tests and the demo.

Every server is started as a child process and stopped by its own PID.
Every wait is bounded in count and time.
"""
import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CERTS = os.path.join(os.environ.get("FIXTURES", os.path.join(ROOT, "fixtures")), "certs")


def private_environment():
    """Tests never depend on the user's environment: the accepted-certificate
    store, HOME and the XDG directories point into a directory of this run's
    own (removed at exit), for xmppcv and every server and terminal a test
    starts. Tests that need another store name it (--store, or env=)."""
    import atexit
    top = tempfile.mkdtemp(prefix="xmppcv-env-")
    atexit.register(shutil.rmtree, top, True)
    for var, sub in (("HOME", "home"), ("XDG_DATA_HOME", "data"),
                     ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache"),
                     ("XDG_STATE_HOME", "state"), ("XMPPCV_STORE", "store")):
        os.environ[var] = os.path.join(top, sub)
    os.makedirs(os.environ["HOME"])
    os.environ.pop("XMPPCV_FAULT", None)


private_environment()


def closed_port(ip, port=0):
    """A TCP port of ip that refuses connections for as long as the returned
    socket stays open: bound, never listening, so nothing else can listen
    there. port=0 takes a free one; a fixed port raises OSError
    (EADDRINUSE) when something on this machine already listens on it.
    Returns (socket, port); close the socket when done."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    # Past connections in TIME-WAIT do not hold the port; a listener does.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((ip, port))
    except OSError:
        s.close()
        raise
    return s, s.getsockname()[1]


def cert(name):
    return os.path.join(CERTS, name)


def copy_tool(xmppcv, folder):
    """Copy the tool into folder with the shared library it loads, both
    readable by anyone: a test that runs it as another user must not depend
    on whether that user can reach the build tree (a clone under a 0700
    temporary directory). The tool finds its library beside it ($ORIGIN
    in its run path). Returns the copy's path."""
    exe = os.path.join(folder, os.path.basename(xmppcv))
    shutil.copy(xmppcv, exe)
    os.chmod(exe, 0o755)
    libdir = os.path.dirname(os.path.realpath(xmppcv))
    for name in os.listdir(libdir):
        if re.fullmatch(r"libxmppcv\.so(\.[0-9]+)*", name):
            lib = os.path.join(folder, name)
            shutil.copy(os.path.join(libdir, name), lib)
            os.chmod(lib, 0o755)
    return exe


# Every server started here, so that a SIGTERM (meson's timeout) stops
# them too, by PID, instead of leaving them behind.
_children = []


def spawn(argv, **kw):
    proc = subprocess.Popen(argv, **kw)
    _children.append(proc)
    return proc


def _stop_children(signum, frame):
    for proc in list(_children):
        try:
            stop_pid(proc, seconds=3)
        except (OSError, subprocess.TimeoutExpired):
            pass
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _stop_children)


def wait_listening(ip, port, proc, seconds=10.0):
    """Poll until ip:port accepts, the process dies, or time runs out."""
    deadline = time.monotonic() + seconds
    for _ in range(int(seconds / 0.05) + 1):
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection((ip, port), timeout=0.2):
                return True
        except OSError:
            pass
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return False


def stop_pid(proc, seconds=5.0):
    """SIGTERM the process by its PID, then SIGKILL if it lingers."""
    if proc in _children:
        _children.remove(proc)
    if proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=seconds)


class Prosody:
    """Prosody from Debian with one VirtualHost, on a loopback address.

    certname names a fixture certificate; its chain (leaf + issuing CA, or
    the leaf alone) is presented for `domain` over STARTTLS (explicit ssl
    in the VirtualHost) and over direct TLS (the certificates directory).
    """

    def __init__(self, ip, certname, domain="corp.example", c2s=15222, s2s=15269,
                 direct=15223, users=(), extra=""):
        """extra: more settings, after (and so over) these."""
        self.ip, self.domain = ip, domain
        self.c2s, self.s2s, self.direct = c2s, s2s, direct
        self.dir = tempfile.mkdtemp(prefix="xmppcv-prosody-")
        certs = os.path.join(self.dir, "certs")
        os.makedirs(certs)
        chain = os.path.join(certs, domain + ".crt")
        shutil.copy(cert(certname + ".chain.pem"), chain)
        key = os.path.join(certs, domain + ".key")
        shutil.copy(cert(certname + ".key"), key)
        self.start(f"""log = {{ error = "{self.dir}/prosody.log"; info = "{self.dir}/prosody.log" }}
modules_enabled = {{ "tls"; "saslauth"; "dialback"; "disco"; "posix"; "roster" }}
c2s_ports = {{ {c2s} }}
s2s_ports = {{ {s2s or ""} }}
c2s_direct_tls_ports = {{ {direct} }}
certificates = "{certs}"
""" + extra, [(domain, chain, key)], users)

    def start(self, settings, hosts, users=(), env=None):
        """Write the configuration (settings, then one VirtualHost per
        (domain, chain, key)), register users, start it and wait until c2s
        listens."""
        os.makedirs(os.path.join(self.dir, "data"))
        root = os.geteuid() == 0
        self.config = os.path.join(self.dir, "prosody.cfg.lua")
        with open(self.config, "w", encoding="utf-8") as f:
            f.write(f"""
run_as_root = {"true" if root else "false"}
pidfile = "{self.dir}/prosody.pid"
data_path = "{self.dir}/data"
interfaces = {{ "{self.ip}" }}
authentication = "internal_hashed"
c2s_require_encryption = true
""" + settings)
            for domain, chain, key in hosts:
                os.chmod(key, 0o644)  # readable by the prosody user when not root
                f.write(f"""VirtualHost "{domain}"
    ssl = {{ certificate = "{chain}"; key = "{key}" }}
""")
        for user, password in users:
            self.register(user, password)
        self.proc = spawn(["prosody", "--config", self.config, "-F"], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_listening(self.ip, self.c2s, self.proc):
            log = self.log()
            self.stop()
            raise RuntimeError("prosody did not start on %s:%d\n%s" % (self.ip, self.c2s, log))

    def register(self, user, password):
        subprocess.run(["prosodyctl", "--config", self.config, "register", user,
                        self.domain, password], check=True, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def log(self):
        try:
            with open(os.path.join(self.dir, "prosody.log"), encoding="utf-8",
                      errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def stop(self):
        if getattr(self, "proc", None) is not None:
            stop_pid(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


class ProsodyHosts(Prosody):
    """Prosody from Debian with one VirtualHost per (domain, chain, key) on
    ip: c2s and s2s over STARTTLS, each host presenting its own chain. The
    security level is 0 so that it serves what a client must judge (an RSA
    key of 1024 bits, a SHA-1 signature) instead of refusing to load it."""

    def __init__(self, ip, hosts, c2s=15222, s2s=15269):
        self.ip, self.c2s, self.s2s = ip, c2s, s2s
        self.dir = tempfile.mkdtemp(prefix="xmppcv-prosody-hosts-")
        # OpenSSL checks a certificate against the security level when the
        # server loads it, before any cipher string of Prosody's applies:
        # level 0 for this process, from its own OpenSSL configuration.
        conf = os.path.join(self.dir, "openssl.cnf")
        with open(conf, "w") as f:
            f.write("openssl_conf = init\n[init]\nssl_conf = ssl\n[ssl]\n"
                    "system_default = tls\n[tls]\nCipherString = DEFAULT@SECLEVEL=0\n")
        self.start(f"""log = {{ error = "{self.dir}/prosody.log" }}
modules_enabled = {{ "tls"; "saslauth"; "dialback"; "disco"; "posix" }}
c2s_ports = {{ {c2s} }}
s2s_ports = {{ {s2s} }}
c2s_direct_tls_ports = {{ }}
certificates = "{self.dir}"
""", hosts, env=dict(os.environ, OPENSSL_CONF=conf))


class Peer:
    """A scripted peer (tests/peer.py MODE) on ip:port."""

    def __init__(self, mode, ip, port, *args, events=None):
        env = dict(os.environ, PEER_EVENTS=events) if events else None
        self.events_file = events
        self.proc = spawn([sys.executable, os.path.join(HERE, "peer.py"), mode,
                                      ip, str(port), *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        line = self.proc.stdout.readline()
        if line.strip() != b"ready":
            err = self.proc.stderr.read().decode()
            self.stop()
            raise RuntimeError("peer %s did not start: %s" % (mode, err))

    def events(self, settle=5.0):
        """The peer's events so far, as (kind, to) pairs. A peer thread may
        still be writing the last one: read until two reads agree (at most
        settle seconds)."""
        last, end = None, time.monotonic() + settle
        for _ in range(int(settle / 0.1) + 1):
            try:
                with open(self.events_file) as f:
                    now = [tuple(line.split(" ", 1)) for line in f.read().splitlines()]
            except FileNotFoundError:
                now = []
            if now == last or time.monotonic() > end:
                break
            last = now
            time.sleep(0.1)
        return [(k, t) for k, t in now]

    def stop(self):
        stop_pid(self.proc)
        for s in (self.proc.stdout, self.proc.stderr):
            if s:
                s.close()


def on_pty(argv, respond, timeout=30, env=None):
    """Run argv on a pseudo-terminal, as a person at a terminal would.

    respond(output_so_far) returns bytes to type, or None; it is asked after
    every read. Returns (exit status, everything shown). Bounded by timeout;
    the process is killed by its PID if it lingers."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, env if env is not None else os.environ)
    out = b""
    end = time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    break
                if not data:
                    break
                out += data
            typed = respond(out)
            if typed:
                os.write(fd, typed)
        else:
            os.kill(pid, signal.SIGKILL)
            raise AssertionError("no end within %d s:\n%s" % (timeout, out.decode()))
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")


class Tmux:
    """A real terminal: a tmux server of the test's own (a private socket),
    running one command in a window; stopped by its server's PID."""

    def __init__(self, argv, width=220, height=80, env=None):
        import shlex
        self.dir = tempfile.mkdtemp(prefix="xmppcv-tmux-")
        self.sock = os.path.join(self.dir, "sock")
        # The window stays after the command ends, for its last screen.
        self.conf = os.path.join(self.dir, "tmux.conf")
        with open(self.conf, "w") as f:
            f.write("set -g remain-on-exit on\nset -g history-limit 5000\n")
        self.status = os.path.join(self.dir, "status")
        shell = " ".join(a if a == "|" else shlex.quote(a) for a in argv)
        # The exit status of the command (of its first stage in a pipe),
        # kept even when the command dies of Ctrl-C (the trap keeps the
        # shell; the command itself gets the default disposition).
        line = "trap : INT; %s; echo $? > %s" % (shell, shlex.quote(self.status))
        if "|" in argv:
            line = "set -o pipefail; " + line
        envs = []
        for k, v in (env or {}).items():
            envs += ["-e", "%s=%s" % (k, v)]
        self.tmux(["new-session", "-d", "-x", str(width), "-y", str(height),
                   *envs, "bash", "--norc", "--noprofile", "-c", line])
        self.pid = int(self.tmux(["display-message", "-p", "#{pid}"]).strip())

    def tmux(self, args):
        return subprocess.run(["tmux", "-f", self.conf, "-S", self.sock, *args], check=True,
                              capture_output=True, text=True, timeout=10).stdout

    def screen(self):
        return self.tmux(["capture-pane", "-p", "-J", "-S", "-", "-E", "-"])

    def type(self, text):
        self.tmux(["send-keys", "-l", text])
        self.tmux(["send-keys", "Enter"])

    def wait_for(self, text, seconds=20.0):
        """The screen once it shows text; bounded in time and count."""
        for _ in range(int(seconds / 0.1) + 1):
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError("%r not shown within %d s:\n%s" % (text, seconds, self.screen()))

    def exit_status(self, seconds=30.0):
        for _ in range(int(seconds / 0.1) + 1):
            try:
                with open(self.status) as f:
                    text = f.read().strip()
                if text:
                    return int(text)
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("no exit within %d s:\n%s" % (seconds, self.screen()))

    def stop(self):
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        for _ in range(50):
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        shutil.rmtree(self.dir, ignore_errors=True)


class NginxServer:
    """What every nginx of the tests shares: a folder of its own (made
    here, or given and then left for its owner to remove), a master
    process started in the foreground and stopped by its PID, its
    temporary paths inside the folder and its error log."""

    def __init__(self, prefix=None, folder=None):
        self.proc = None
        self.owned = folder is None
        self.dir = tempfile.mkdtemp(prefix=prefix) if self.owned else folder
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)  # workers run as an unprivileged user

    def run(self, http, listens, workers=1, connections=256, main="",
            seconds=10):
        """Start nginx with http as the body of its http block (and main
        in its main context), and wait up to seconds until it listens on
        each (ip, port) of listens."""
        temp = os.path.join(self.dir, "temp")
        os.makedirs(temp, exist_ok=True)
        os.chmod(temp, 0o777)
        self.config = os.path.join(self.dir, "nginx.conf")
        with open(self.config, "w") as f:
            f.write("""
daemon off;
master_process on;
worker_processes {w};
{main}
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections {c}; }}
http {{
    access_log off;
    client_body_temp_path {t}/body;
    proxy_temp_path {t}/proxy;
    fastcgi_temp_path {t}/fastcgi;
    uwsgi_temp_path {t}/uwsgi;
    scgi_temp_path {t}/scgi;
{http}
}}
""".format(w=workers, main=main, d=self.dir, c=connections, t=temp, http=http))
        self.proc = spawn(["nginx", "-c", self.config, "-p", self.dir],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for ip, port in listens:
            if not wait_listening(ip, port, self.proc, seconds):
                log = self.log()
                self.stop()
                raise RuntimeError("nginx did not start on %s:%d\n%s" % (ip, port, log))

    def log(self):
        try:
            with open(os.path.join(self.dir, "error.log")) as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None:
            stop_pid(self.proc)
            self.proc = None
        if self.owned:
            shutil.rmtree(self.dir, ignore_errors=True)


class Nginx(NginxServer):
    """nginx from Debian on loopback, the HTTPS (Tomcat) port of nodes:
    one server block per (address, port, fixture certificate[, directives
    of its own])."""

    def __init__(self, sites, workers=1):
        super().__init__(prefix="xmppcv-nginx-")
        blocks = []
        for i, (ip, port, certname, *own) in enumerate(sites):
            chain = os.path.join(self.dir, "%d.crt" % i)
            key = os.path.join(self.dir, "%d.key" % i)
            shutil.copy(cert(certname + ".chain.pem"), chain)
            shutil.copy(cert(certname + ".key"), key)
            os.chmod(key, 0o644)
            host = "[%s]" % ip if ":" in ip else ip
            blocks.append("""
    server {
        listen %s:%d ssl;
        ssl_certificate %s;
        ssl_certificate_key %s;
        %s
        location / { return 200 "xmppcv test\\n"; }
    }""" % (host, port, chain, key, "".join(own)))
        self.run("".join(blocks), [sites[0][:2]], workers=workers, connections=4096)


class Dnsmasq:
    """dnsmasq from Debian on a loopback address: SRV and address records
    for the tests' names only, nothing forwarded. Stopped by its PID.

    srv: (name, target, port, priority, weight); hosts: (name, address)."""

    def __init__(self, ip, port, srv=(), hosts=()):
        self.dir = tempfile.mkdtemp(prefix="xmppcv-dnsmasq-")
        args = ["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
                "--conf-file=/dev/null", "--listen-address=" + ip,
                "--bind-interfaces", "--port=%d" % port,
                "--pid-file=" + os.path.join(self.dir, "pid"),
                "--log-facility=" + os.path.join(self.dir, "log")]
        if os.geteuid() == 0:
            args.append("--user=root")
        for name, target, tport, prio, weight in srv:
            args.append("--srv-host=%s,%s,%d,%d,%d" % (name, target, tport, prio, weight))
        for name, address in hosts:
            args.append("--host-record=%s,%s" % (name, address))
        self.proc = spawn(args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.server = "%s:%d" % (ip, port)
        # Ready once the log says so (UDP has no listening socket to try).
        log = os.path.join(self.dir, "log")
        for _ in range(100):
            if self.proc.poll() is not None:
                break
            try:
                with open(log) as f:
                    if "started" in f.read():
                        return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("dnsmasq did not start on %s" % self.server)

    def stop(self):
        if getattr(self, "proc", None) is not None:
            stop_pid(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


def free_port(ip):
    """A port nothing listens on at ip now: bound, read, closed."""
    with socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET) as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


class Exporter:
    """`xmppcv exporter` with a generated configuration (a dict, written as
    JSON), listening on ip at a free port. Stopped by its PID (SIGTERM,
    which it handles)."""

    def __init__(self, xmppcv, ip, config, args=()):
        import json
        self.dir = tempfile.mkdtemp(prefix="xmppcv-exporter-")
        self.ip, self.port = ip, free_port(ip)
        self.config = os.path.join(self.dir, "exporter.json")
        with open(self.config, "w") as f:
            json.dump(dict(config, listen="%s:%d" % (ip, self.port)), f)
        self.err = open(os.path.join(self.dir, "stderr"), "w+")
        self.proc = spawn([xmppcv, "exporter", "--config", self.config, *args],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.err)
        if not wait_listening(ip, self.port, self.proc):
            log = self.log()
            self.stop()
            raise RuntimeError("exporter did not start on %s:%d\n%s" % (ip, self.port, log))

    def log(self):
        self.err.flush()
        with open(self.err.name) as f:
            return f.read()

    def stop(self):
        """Stop it; returns its exit status and everything it logged."""
        code = None
        if getattr(self, "proc", None) is not None:
            stop_pid(self.proc, seconds=20)
            code = self.proc.returncode
        log = self.log()
        self.err.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        return code, log


class Prometheus:
    """Prometheus from Debian on ip:port with the given scrape configs (a
    list of dicts, written as YAML-compatible JSON), its storage in a
    temporary directory. Stopped by its PID."""

    def __init__(self, ip, scrape_configs, interval="1s", config_text=None, files=None):
        """config_text, if given, is the whole configuration instead;
        {dir} in it is the server's own temporary directory, where files
        ({name: text}) are written before it starts."""
        import json
        self.dir = tempfile.mkdtemp(prefix="xmppcv-prometheus-")
        for name, text in (files or {}).items():
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)
        self.ip, self.port = ip, free_port(ip)
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            if config_text is not None:
                f.write(config_text.replace("{dir}", self.dir))
            else:
                # JSON is YAML: Prometheus reads it as its configuration.
                json.dump({"global": {"scrape_interval": interval,
                                      "evaluation_interval": interval},
                           "scrape_configs": scrape_configs}, f)
        self.log_file = open(os.path.join(self.dir, "log"), "w+")
        self.proc = spawn(
            ["prometheus", "--config.file=" + config,
             "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
             "--web.listen-address=%s:%d" % (ip, self.port), "--log.level=warn"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log_file)
        if not wait_listening(ip, self.port, self.proc, seconds=30) or not self.ready():
            log = self.log()
            self.stop()
            raise RuntimeError("prometheus did not start on %s:%d\n%s" % (ip, self.port, log))

    def ready(self, seconds=30.0):
        """Poll /-/ready (503 while the storage opens) until it says 200."""
        import urllib.error
        import urllib.request
        end = time.monotonic() + seconds
        for _ in range(int(seconds / 0.1) + 1):
            try:
                with urllib.request.urlopen("http://%s:%d/-/ready" % (self.ip, self.port),
                                            timeout=5) as r:
                    if r.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > end or self.proc.poll() is not None:
                break
            time.sleep(0.1)
        return False

    def query(self, expr):
        """The instant vector of expr: [(labels, float value)]."""
        import json
        import urllib.parse
        import urllib.request
        url = "http://%s:%d/api/v1/query?%s" % (self.ip, self.port,
                                                urllib.parse.urlencode({"query": expr}))
        with urllib.request.urlopen(url, timeout=10) as r:
            body = json.load(r)
        if body.get("status") != "success":
            raise RuntimeError("query %s: %r" % (expr, body))
        return [(s["metric"], float(s["value"][1])) for s in body["data"]["result"]]

    def api(self, path):
        """The data of an HTTP API answer (e.g. "rules", "targets")."""
        import json
        import urllib.request
        with urllib.request.urlopen("http://%s:%d/api/v1/%s" % (self.ip, self.port, path),
                                    timeout=10) as r:
            body = json.load(r)
        if body.get("status") != "success":
            raise RuntimeError("%s: %r" % (path, body))
        return body["data"]

    def log(self):
        self.log_file.flush()
        with open(self.log_file.name) as f:
            return f.read()[-3000:]

    def stop(self):
        if getattr(self, "proc", None) is not None:
            stop_pid(self.proc, seconds=20)
        self.log_file.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Ejabberd:
    """ejabberd from Debian with one host, `domain`, on a loopback address:
    c2s and ejabberd_s2s_in over required STARTTLS, presenting certname's
    chain. Peers' certificates are verified against root-ca.crt
    (s2s_cafile). mod_s2s_dialback is left out, so a peer can only
    authenticate with SASL EXTERNAL (XEP-0178).

    It runs as erl does under `ejabberdctl foreground`, but without
    ejabberdctl (which would switch to the ejabberd user and run
    `epmd -kill`) and without Erlang distribution: the node is
    nonode@nohost, so no epmd is started, no cookie is written and no
    other node can reach it. Its configuration, spool (Mnesia), logs and
    crash dump stay in a directory of its own. Stopped by its PID: beam
    stops cleanly on SIGTERM.

    extra: more top-level settings (YAML), after these; modules: the
    `modules:` section's entries."""

    def __init__(self, ip, certname="domain-san", domain="corp.example",
                 c2s=15222, s2s=15269, extra="", modules=("mod_disco: {}",)):
        self.ip, self.domain, self.c2s, self.s2s = ip, domain, c2s, s2s
        self.dir = tempfile.mkdtemp(prefix="xmppcv-ejabberd-")
        os.chmod(self.dir, 0o755)
        spool, logs = os.path.join(self.dir, "spool"), os.path.join(self.dir, "logs")
        os.makedirs(spool)
        os.makedirs(logs)
        # One file with the chain and its key: ejabberd pairs them itself.
        pem = os.path.join(self.dir, domain + ".pem")
        with open(pem, "w") as out:
            for name in (certname + ".chain.pem", certname + ".key"):
                with open(cert(name)) as f:
                    out.write(f.read())
        self.config = os.path.join(self.dir, "ejabberd.yml")
        with open(self.config, "w") as f:
            f.write(f"""loglevel: info
log_rotate_count: 0
hosts:
  - "{domain}"
certfiles:
  - "{pem}"
s2s_use_starttls: required
s2s_cafile: "{os.path.abspath(cert("root-ca.crt"))}"
listen:
  -
    port: {c2s}
    ip: "{ip}"
    module: ejabberd_c2s
    starttls_required: true
  -
    port: {s2s}
    ip: "{ip}"
    module: ejabberd_s2s_in
""" + extra + "modules:\n" + "".join("  %s\n" % m for m in modules))
        env = dict(os.environ, EJABBERD_CONFIG_PATH=self.config,
                   EJABBERD_LOG_PATH=os.path.join(logs, "ejabberd.log"),
                   ERL_CRASH_DUMP=os.path.join(logs, "erl_crash.dump"),
                   ERL_LIBS="/usr/lib/x86_64-linux-gnu", ERL_MAX_PORTS="32000")
        for var in ("ERL_FLAGS", "ERL_AFLAGS", "ERL_ZFLAGS", "ERL_EPMD_PORT"):
            env.pop(var, None)
        self.out = open(os.path.join(logs, "console"), "w")
        self.proc = spawn(["erl", "-noinput", "+K", "true", "-mnesia", "dir",
                           '"%s"' % spool, "-s", "ejabberd"],
                          cwd=spool, env=env, stdin=subprocess.DEVNULL,
                          stdout=self.out, stderr=subprocess.STDOUT)
        if not wait_listening(ip, s2s, self.proc, seconds=60):
            log = self.log()
            self.stop()
            raise RuntimeError("ejabberd did not start on %s:%d\n%s" % (ip, s2s, log))

    @staticmethod
    def version():
        """The installed package's version, e.g. "23.01-1"."""
        return subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "ejabberd"],
                              capture_output=True, text=True, check=True,
                              timeout=30).stdout

    def log(self):
        try:
            with open(os.path.join(self.dir, "logs", "ejabberd.log"), encoding="utf-8",
                      errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def stop(self):
        if getattr(self, "proc", None) is not None:
            stop_pid(self.proc, seconds=20)
            self.out.close()
        shutil.rmtree(self.dir, ignore_errors=True)
