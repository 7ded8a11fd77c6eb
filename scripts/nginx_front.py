"""deploy/nginx.conf, the production nginx site, filled in for this machine: what the
nginx front tests (tests/test_nginx_front.py) and `make bench` run.

The site file is written for people: real values, the ones a deployment changes marked
``# deploy: NAME`` at the end of their line. ``render_site()`` swaps the first value of
each marked line; ``write_config()`` wraps the site in the few lines an nginx started
by the current user in a folder of its own needs (pid, logs and temporary files there).
"""

import os
import pwd
import re
import shutil
from pathlib import Path

SITE = Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf"

# A directive, its first value, then the rest of the line up to the marker.
_MARKED = re.compile(
    r"^([ \t]*[a-z_]+[ \t]+)(\S+?)(;?(?:[ \t].*)?#[ \t]*deploy:[ \t]*([a-z_]+)\b.*)$", re.M
)
_PERSONAL_COOKIE = re.compile(r'^\s*"~\(\^\|;\)\\s\*([^\\]+)\\s\*=" 1;$', re.M)


def find_nginx():
    """The nginx executable, or None."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None


def render_site(values, text=None):
    """The site file with ``values`` (marker name -> value) on its marked lines. A list
    of values repeats the line once for each (several gunicorn servers upstream)."""
    text = SITE.read_text() if text is None else text
    unknown = set(values) - {match.group(4) for match in _MARKED.finditer(text)}
    if unknown:
        raise ValueError(f"No line of {SITE.name} is marked {', '.join(sorted(unknown))}")

    def swap(match):
        head, value, tail, name = match.groups()
        new = values.get(name, value)
        return "\n".join(head + one + tail for one in ([new] if isinstance(new, str) else new))

    return _MARKED.sub(swap, text)


def personal_cookies_in(text=None):
    """The cookie names of the site file's ``$front_personal`` map, in file order."""
    return _PERSONAL_COOKIE.findall(SITE.read_text() if text is None else text)


def write_config(root, *, port, upstream, access_log=None):
    """Write ``root``/nginx.conf: the site on 127.0.0.1:``port`` in front of ``upstream``
    (host:port, or a list of them: nginx takes turns), caching in ``root``/cache, with
    everything else in ``root`` too.

    Start it with ``nginx -p ROOT -c ROOT/nginx.conf -g "daemon off;"``.
    """
    root = Path(root)
    for folder in ("cache", "media"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    site = render_site(
        {
            "gunicorn": upstream,
            "cache_path": str(root / "cache"),
            "media_root": f"{root / 'media'}/",
            "listen": f"127.0.0.1:{port}",
            "server_name": "127.0.0.1",
            "access_log": str(access_log) if access_log else str(root / "logs" / "access.log"),
        }
    )
    return write_nginx_conf(root, site)


def write_nginx_conf(root, http):
    """Write ``root``/nginx.conf: ``http`` (directives and servers) inside the few
    lines an nginx started by the current user in ``root`` needs (pid, error log and
    temporary files there); return its path."""
    root = Path(root)
    for folder in ("logs", "tmp"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    # Started by root (a container, CI), nginx would run its workers as nobody, who
    # may not enter ``root``.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    indented = "\n".join(f"    {line}" if line else line for line in http.splitlines())
    config = root / "nginx.conf"
    config.write_text(
        f"""{user}worker_processes auto;
pid {root}/nginx.pid;
error_log {root}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {root}/tmp;
    proxy_temp_path {root}/tmp;
    fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp;
    scgi_temp_path {root}/tmp;

{indented}
}}
"""  # nosec B108 # {root}/tmp is the run's own folder, not /tmp
    )
    return config
