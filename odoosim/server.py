"""``SimServer``: one simulated Odoo (database + wire protocols) on a loopback port.

Used as a context manager by tests and the demo (``docs/internals.md`` §1)::

    with SimServer(odoo_version="17", dataset="demo", orders=300, seed=7) as sim:
        sim.url, sim.database, sim.bot_api_key, sim.stats, sim.faults

and by ``python -m odoosim serve`` (``odoosim.cli``).  The server runs in a background thread;
:meth:`SimServer.stop` stops accepting, ends hung fault sleeps and closes idle connections.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import os
import tempfile
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from odoosim.faults import Faults
from odoosim.wire.app import WireApp
from odoosim.wire.core import Backend, RpcCore
from odoosim.wire.http import SimHTTPServer
from odoosim.wire.stats import Stats

SUPPORTED_VERSIONS = ("16", "17", "18", "19")
DEFAULT_VERSION = "17"
ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "admin"
BOT_LOGIN = "svcsync-bot"


class SimServerError(RuntimeError):
    """The simulator cannot start as asked; the message says what to change."""


class SimServer:
    """A loopback Odoo: build the database, load the dataset, serve every protocol."""

    def __init__(
        self,
        odoo_version: str | int | None = None,
        dataset: str | os.PathLike[str] = "demo",
        orders: int = 300,
        seed: int = 7,
        apps: Iterable[str] | None = None,
        faults: Mapping[str, Any] | None = None,
        database: str = "demo",
        port: int = 0,
        host: str = "127.0.0.1",
        today: dt.date | None = None,
        backend: Backend | None = None,
    ) -> None:
        self.host = host
        self._requested_port = port
        self.database = database
        self.dataset = str(dataset)
        self.orders = orders
        self.seed = seed
        self.apps = frozenset(apps) if apps is not None else None
        self.today = today
        self.stats = Stats()
        self.faults = Faults(faults)
        self.manifest: dict[str, Any] | None = None
        self.manifest_path: str | None = None
        self.admin_login, self.admin_password = ADMIN_LOGIN, ADMIN_PASSWORD
        self.bot_login = BOT_LOGIN
        self.bot_api_key = ""
        self._version_arg = None if odoo_version is None else str(odoo_version)
        self.odoo_version = self._version_arg or DEFAULT_VERSION
        self._backend = backend
        self._httpd: SimHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        self.core: RpcCore | None = None
        self.port = port

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> SimServer:
        """Build the database, bind the port and serve in a background thread."""
        if self._httpd is not None:
            raise SimServerError("this SimServer is already running")
        self._stopping.clear()
        backend = self._backend if self._backend is not None else self._build_database()
        self._backend = backend
        self._register_bot_key(backend)
        self.core = RpcCore(
            backend,
            version=self.odoo_version,
            database=self.database,
            faults=self.faults,
            stats=self.stats,
            stopping=self._stopping,
        )
        try:
            self._httpd = SimHTTPServer((self.host, self._requested_port), WireApp(self.core))
        except OSError as exc:
            raise SimServerError(
                f"cannot listen on {self.host}:{self._requested_port} ({exc.strerror or exc}); "
                "choose another --port or stop the process using it"
            ) from exc
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"odoosim:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; hung (fault) calls are released, idle keep-alive connections closed."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.close_connections()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None
            self.manifest_path = None

    def serve_until(self, event: threading.Event) -> None:
        """Block until ``event`` is set (the command's main loop)."""
        while not event.wait(0.5):
            pass

    # -- properties --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def db(self) -> Backend:
        """The ORM database behind the server (for tests that seed extra records)."""
        if self._backend is None:
            raise SimServerError("the server has not been started")
        return self._backend

    def ready_line(self) -> dict[str, Any]:
        """What ``odoosim serve`` prints on stdout when ready."""
        return {
            "url": self.url,
            "database": self.database,
            "admin_login": self.admin_login,
            "admin_password": self.admin_password,
            "bot_login": self.bot_login,
            "bot_api_key": self.bot_api_key,
            "odoo_version": self.odoo_version,
            "manifest": self.manifest_path,
        }

    # -- database ----------------------------------------------------------------------------

    def _build_database(self) -> Backend:
        records, manifest = self._dataset_records()
        if self.odoo_version not in SUPPORTED_VERSIONS:
            raise SimServerError(
                f"unsupported Odoo version {self.odoo_version!r}; use one of "
                f"{', '.join(SUPPORTED_VERSIONS)}"
            )
        from odoosim.orm.database import Database

        db = Database(self.odoo_version, self.apps, self.database)
        if records:
            db.load_records(records)
        if manifest is not None:
            self.manifest = manifest
            self._tmpdir = tempfile.TemporaryDirectory(prefix="odoosim-")
            path = Path(self._tmpdir.name) / "manifest.json"
            path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
            self.manifest_path = str(path)
        backend: Backend = db
        return backend

    def _register_bot_key(self, backend: Backend) -> None:
        """Give the bot user its API key (the ORM creates the user, the server its key)."""
        bot_uid = getattr(backend, "bot_uid", 0)
        create_api_key = getattr(backend, "create_api_key", None)
        if not bot_uid or create_api_key is None:
            return
        # Derived from seed and database name: a restarted demo keeps its key, so a config
        # written against it stays valid (40 hex characters, like Odoo's keys).
        seed_text = f"odoosim-bot:{self.database}:{self.seed}"
        key = hashlib.sha1(seed_text.encode()).hexdigest()
        self.bot_api_key = str(create_api_key(bot_uid, key))

    def _dataset_records(self) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any] | None]:
        """Records and manifest of the chosen dataset (empty when a generator is missing)."""
        name = self.dataset
        if name not in ("demo", "empty"):
            from odoosim.datasets import load_json

            version, records = load_json(name)
            if self._version_arg is not None and self._version_arg != version:
                raise SimServerError(
                    f"dataset {name} is for Odoo {version} but --odoo-version is "
                    f"{self._version_arg}; drop --odoo-version or use a matching file"
                )
            self.odoo_version = version
            return records, None
        try:
            module = importlib.import_module(f"odoosim.datasets.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"odoosim.datasets.{name}":
                raise
            # "empty" is what the ORM's bootstrap creates (company, currency, users, locations).
            return {}, None
        generate = module.generate
        # The generators build the company for these apps (None = the default apps): models,
        # fields and structural records of missing apps (the repair operation type without
        # repair) are never generated, and plants whose rule needs a missing app are left out.
        if name == "demo":
            dataset = generate(
                seed=self.seed,
                orders=self.orders,
                version=self.odoo_version,
                today=self.today or dt.datetime.now(dt.UTC).date(),
                apps=self.apps,
            )
        else:
            dataset = generate(version=self.odoo_version, apps=self.apps)
        return dataset.records, dataset.manifest
