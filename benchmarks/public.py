"""Requests per second of the public pages, a commune's feed and widget, against a bare view.

    .venv/bin/python benchmarks/public.py [--requests 1000] [--concurrency 8] [--workers 2]
    .venv/bin/python benchmarks/public.py --no-cache     # pages, feeds, widget built every time
    .venv/bin/python benchmarks/public.py --redis redis://127.0.0.1:6379/0   # Redis cache
    .venv/bin/python benchmarks/public.py --conn-max-age 0   # a database connection per request

Builds a throw-away SQLite database with the demo data (``seed_demo``) in a temporary
directory, starts gunicorn on 127.0.0.1 (a free port) with ``benchmarks/public_settings.py``
(the site plus a bare view at ``/benchmarks/bare/``), then sends a fixed number of GET
requests to each address from a few local threads (urllib, loopback only, no cookie: an
anonymous visitor), after a warm-up, in turns (``--rounds``: a fifth of each address's
requests, then the next address, five times over). Prints requests per second, the median time of one
request, and each address's ratio to the bare view measured in the same run on the same
server, then the targets met or not (PASS / FAIL):

* with the cache (the database table by default, Redis with ``--redis``): the home page,
  a commune's page and the workshops agenda serve at least half the bare view's requests
  per second;
* without it (``--no-cache``): the home page takes at most 3 times a commune's page.

Stops the server and deletes the directory (and the run's Redis keys) at the end. Not a
test: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent

BARE, HOME, COMMUNE, AGENDA = "/benchmarks/bare/", "/", "/communes/estaires/", "/ateliers/"
TARGETS = [
    ("vue nue (référence)", BARE),
    ("page d'accueil publique", HOME),
    ("page d'une commune", COMMUNE),
    ("agenda des ateliers", AGENDA),
    ("agenda de la commune (.ics)", "/agenda/59212.ics"),
    ("widget de la commune", "/widget/59212/"),
]
# Cached: at least this share of the bare view's requests per second.
CACHED_SHARE = 0.5
# Not cached: the home page takes at most this many times a commune's page.
HOME_VS_COMMUNE = 3.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(
    workdir: Path, *, no_cache: bool, redis_url: str, prefix: str, conn_max_age: int
) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)  # the database cache unless --redis
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.public_settings",
            "PYTHONPATH": str(ROOT),
            "CADRAN_VAR_DIR": str(workdir),
            "DATABASE_URL": f"sqlite:///{workdir / 'bench-public.sqlite3'}",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "CADRAN_DEMO": "1",
            "DB_CONN_MAX_AGE": str(conn_max_age),
        }
    )
    if no_cache:
        env["CADRAN_PUBLIC_CACHE_SECONDS"] = "0"
    if redis_url:
        env["REDIS_URL"] = redis_url
        env["CADRAN_CACHE_KEY_PREFIX"] = prefix
    return env


def forget_redis_keys(redis_url: str, prefix: str) -> None:
    import redis

    server = redis.Redis.from_url(redis_url)
    for key in server.scan_iter(f"{prefix}:*"):
        server.delete(key)


def prepare(env: dict[str, str]) -> None:
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "-v0"], ["seed_demo"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run(manage + command, env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def wait_until_up(base: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn s'est arrêté au démarrage.")
        try:
            with urllib.request.urlopen(base + "/benchmarks/bare/", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn ne répond pas.")


@dataclass
class Result:
    label: str
    path: str
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000


def load(
    base: str, path: str, *, requests: int, concurrency: int
) -> tuple[float, list[float], int]:
    """``requests`` GETs of ``path``, shared by ``concurrency`` threads."""
    url = base + path
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_thread = [
        requests // concurrency + (i < requests % concurrency) for i in range(concurrency)
    ]

    def worker(count: int) -> None:
        nonlocal errors
        mine: list[float] = []
        failed = 0
        for _ in range(count):
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
                    response.read()
                    if response.status != 200:
                        failed += 1
            except OSError:
                failed += 1
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=worker, args=(n,)) for n in per_thread]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="requêtes par adresse")
    parser.add_argument("--concurrency", type=int, default=8, help="fils du générateur")
    parser.add_argument("--workers", type=int, default=2, help="processus gunicorn")
    parser.add_argument("--warmup", type=int, default=50, help="requêtes d'échauffement")
    parser.add_argument("--rounds", type=int, default=5, help="tours (les adresses à tour de rôle)")
    parser.add_argument("--no-cache", action="store_true", help="sans le cache des pages")
    parser.add_argument("--redis", default="", help="cache Redis à cette adresse (redis://…)")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="DB_CONN_MAX_AGE du serveur (60 comme en production ; 0 : une connexion par requête)",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="cadran-bench-public-"))
    prefix = f"cadran-bench-{uuid.uuid4().hex[:12]}"
    env = server_env(
        workdir,
        no_cache=args.no_cache,
        redis_url=args.redis,
        prefix=prefix,
        conn_max_age=args.conn_max_age,
    )
    process = None
    try:
        print("Préparation : base SQLite jetable, données de démonstration…", flush=True)
        prepare(env)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        process = subprocess.Popen(  # noqa: S603
            [
                str(VENV_BIN / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )
        wait_until_up(base, process)
        print(
            f"gunicorn {args.workers} processus sur {base} ; {args.requests} requêtes par "
            f"adresse, {args.concurrency} fils ; cache des pages "
            f"{'désactivé' if args.no_cache else ('Redis' if args.redis else 'base de données')}"
            f" ; DB_CONN_MAX_AGE={args.conn_max_age}",
            flush=True,
        )
        for _label, path in TARGETS:
            load(base, path, requests=args.warmup, concurrency=min(args.concurrency, 4))
        # In turns (every address a share of its requests, then again), so that the load of
        # other programs weighs on the bare view and the pages alike.
        results = [Result(label, path, 0, 0.0, [], 0) for label, path in TARGETS]
        share = max(1, args.requests // args.rounds)
        for _ in range(args.rounds):
            for result in results:
                seconds, latencies, errors = load(
                    base, result.path, requests=share, concurrency=args.concurrency
                )
                result.requests += share
                result.seconds += seconds
                result.latencies.extend(latencies)
                result.errors += errors
        report(results, no_cache=args.no_cache)
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(workdir, ignore_errors=True)
        if args.redis:
            forget_redis_keys(args.redis, prefix)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(results: list[Result], *, no_cache: bool) -> None:
    by_path = {result.path: result for result in results}
    floor = by_path[BARE]
    for result in results:
        print(
            f"  {result.label:<30} {result.path:<20} {result.rps:8.0f} req/s  "
            f"médiane {result.median_ms:6.1f} ms  erreurs {result.errors}"
        )
    print("Ratios (vue nue / adresse : combien de fois moins de requêtes par seconde) :")
    for result in results[1:]:
        print(f"  {result.label:<30} {floor.rps / result.rps:5.2f}×")
    print("Objectifs :")
    if no_cache:
        home, commune = by_path[HOME], by_path[COMMUNE]
        ratio = commune.rps / home.rps  # time of one home page / time of one commune page
        print(
            f"  {verdict(ratio <= HOME_VS_COMMUNE)} accueil sans cache ≤ {HOME_VS_COMMUNE:g}× "
            f"la page d'une commune : {ratio:.2f}× en débit (médianes {home.median_ms:.1f} ms "
            f"et {commune.median_ms:.1f} ms)"
        )
    else:
        for path in (HOME, COMMUNE, AGENDA):
            share = by_path[path].rps / floor.rps
            print(
                f"  {verdict(share >= CACHED_SHARE)} {by_path[path].label} en cache ≥ "
                f"{CACHED_SHARE:g}× le débit de la vue nue : {share:.2f}×"
            )
    if any(result.errors for result in results):
        print("  FAIL des requêtes ont échoué (voir « erreurs »)")


if __name__ == "__main__":
    main()
