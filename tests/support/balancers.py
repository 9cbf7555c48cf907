"""The shipped balancer configs (deploy/), filled in for a test and run as
our own nginx / HAProxy processes (Debian nginx-light, haproxy).

Only three things change from the shipped files: the listen address, the
list of servers (between the `# servers: begin` / `# servers: end` lines)
and, for nginx, the main-context wrapper (pid, logs, temp paths) that the
shipped http-context file leaves to /etc/nginx/nginx.conf.
"""

import os
import re
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
DEPLOY = os.path.join(os.path.dirname(os.path.dirname(HERE)), "deploy")
NGINX_CONF = os.path.join(DEPLOY, "nginx", "artcast.conf")
HAPROXY_CFG = os.path.join(DEPLOY, "haproxy", "artcast.cfg")

NGINX_MAIN = """worker_processes 1;
daemon off;
master_process off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
worker_rlimit_nofile 8192;
events {{ worker_connections 4096; }}
http {{
  access_log {prefix}/access.log;
  client_body_temp_path {prefix}/tmp;
  proxy_temp_path {prefix}/tmp;
  include {prefix}/artcast.conf;
}}
"""


def binary(name):
    path = shutil.which(name) or "/usr/sbin/" + name
    if not os.path.exists(path):
        raise AssertionError("%s is not installed: python3 run.py test installs it (Debian package %s)"
                             % (name, {"nginx": "nginx-light"}.get(name, name)))
    return path


def _servers(text, lines):
    pattern = re.compile(r"(\n[ \t]*# servers: begin\n)(.*?)(\n[ \t]*# servers: end)", re.S)
    if not pattern.search(text):
        raise AssertionError("the shipped config lost its '# servers: begin/end' markers")
    return pattern.sub(lambda m: m.group(1) + "\n".join(lines) + m.group(3), text, count=1)


def nginx_config(prefix, listen, servers):
    """Write the nginx config for `servers` [(address, port)] under `prefix`;
    returns the main config's path."""
    os.makedirs(os.path.join(prefix, "tmp"), exist_ok=True)
    with open(NGINX_CONF) as f:
        text = f.read()
    text = _servers(text, ["    server %s:%d max_fails=1 fail_timeout=3s;" % s for s in servers])
    assert "    listen 80;" in text
    text = text.replace("    listen 80;", "    listen %s:%d;" % listen)
    with open(os.path.join(prefix, "artcast.conf"), "w") as f:
        f.write(text)
    main = os.path.join(prefix, "nginx.conf")
    with open(main, "w") as f:
        f.write(NGINX_MAIN.format(prefix=prefix))
    return main


def nginx_command(prefix, listen, servers):
    main = nginx_config(prefix, listen, servers)
    return [binary("nginx"), "-p", prefix, "-c", main, "-e", os.path.join(prefix, "error.log")]


def haproxy_command(prefix, listen, servers):
    os.makedirs(prefix, exist_ok=True)
    with open(HAPROXY_CFG) as f:
        text = f.read()
    text = _servers(text, ["    server artcast%d %s:%d" % (i + 1, a, p) for i, (a, p) in enumerate(servers)])
    assert "    bind :80\n" in text
    text = text.replace("    bind :80\n", "    bind %s:%d\n" % listen)
    path = os.path.join(prefix, "haproxy.cfg")
    with open(path, "w") as f:
        f.write(text)
    return [binary("haproxy"), "-db", "-f", path]
