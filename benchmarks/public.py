"""Requests per second of the public home page and a commune's feed, against a bare view.

    .venv/bin/python benchmarks/public.py [--requests 1000] [--concurrency 8] [--workers 2]
    .venv/bin/python benchmarks/public.py --no-cache     # feeds and widget built every time

Builds a throw-away SQLite database with the demo data (``seed_demo``) in a temporary
directory, starts gunicorn on 127.0.0.1 (a free port) with ``benchmarks/public_settings.py``
(the site plus a bare view at ``/benchmarks/bare/``), then sends a fixed number of GET
requests to each address from a few local threads (urllib, loopback only), after a
warm-up. Prints requests per second, the median time of one request, and each address's
ratio to the bare view measured in the same run on the same server. Stops the server and
deletes the directory at the end. Not a test: run it on a quiet machine.
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent

TARGETS = [
    ("vue nue (référence)", "/benchmarks/bare/"),
    ("page d'accueil publique", "/"),
    ("agenda de la commune (.ics)", "/agenda/59212.ics"),
    ("widget de la commune", "/widget/59212/"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(workdir: Path, *, no_cache: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.public_settings",
            "PYTHONPATH": str(ROOT),
            "CADRAN_VAR_DIR": str(workdir),
            "DATABASE_URL": f"sqlite:///{workdir / 'bench-public.sqlite3'}",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "CADRAN_DEMO": "1",
        }
    )
    if no_cache:
        env["CADRAN_PUBLIC_CACHE_SECONDS"] = "0"
    return env


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
    parser.add_argument("--no-cache", action="store_true", help="sans le cache des flux")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="cadran-bench-public-"))
    env = server_env(workdir, no_cache=args.no_cache)
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
            f"adresse, {args.concurrency} fils ; cache des flux "
            f"{'désactivé' if args.no_cache else 'activé'}",
            flush=True,
        )
        results: list[Result] = []
        for label, path in TARGETS:
            load(base, path, requests=args.warmup, concurrency=min(args.concurrency, 4))
            seconds, latencies, errors = load(
                base, path, requests=args.requests, concurrency=args.concurrency
            )
            results.append(Result(label, path, args.requests, seconds, latencies, errors))
        floor = results[0]
        for result in results:
            print(
                f"  {result.label:<30} {result.path:<20} {result.rps:8.0f} req/s  "
                f"médiane {result.median_ms:6.1f} ms  erreurs {result.errors}"
            )
        print("Ratios (vue nue / adresse : combien de fois moins de requêtes par seconde) :")
        for result in results[1:]:
            print(f"  {result.label:<30} {floor.rps / result.rps:5.2f}×")
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
