"""moto server as the sandbox's AWS API, with the places where moto differs from AWS made to
behave as AWS does (sandbox only; the roles never see this):

- Where moto 5.2.5 lacks an AWS call or answers it otherwise, moto_gaps.py (beside this file)
  patches it, here and in the tests alike.
- AWS keeps its resources; moto server keeps them in memory only, so a restart of the sandbox
  container emptied it. With MOTO_SANDBOX_STATE set to a file path, the state is loaded from
  that file before serving and saved to it (pickle; a temporary file in the same directory,
  fsync, rename; mode 0600) on SIGTERM/SIGINT and every SAVE_INTERVAL seconds after a request
  other than GET/HEAD/OPTIONS, so that a hard kill loses at most that much; POST
  /moto-api/reset empties it too. The state: every backend in use (all services, accounts and
  regions: BackendDict._instances) with what its BackendDict holds besides (S3's bucket
  namespace), moto's random generator (ids) and the transitions set through
  /moto-api/state-manager. The restored backends are put into the live BackendDicts, the
  module globals the responses read. A file that cannot be loaded (or was saved by another
  moto version) is reported on stderr and renamed aside with a .bad suffix; moto starts empty.
  Not kept: the request recorder (its file is MOTO_RECORDER_FILEPATH; on/off is not state),
  /moto-api/config and proxy passthrough. A save waits for the requests in flight and holds new
  ones back while the state is pickled in memory (a few tenths of a second for tens of MB).
"""

import collections
import copyreg
import functools
import importlib
import operator
import os
import pickle
import signal
import sys
import tempfile
import threading
import time
import types

import moto
from moto.core.base_backend import AccountSpecificBackend, BackendDict, BaseBackend
from moto.core.model_instances import reset_model_data
from moto.moto_api import state_manager
from moto.moto_api._internal import mock_random
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.server import main

import moto_gaps  # beside this file: the gaps of moto the collection relies on

STATE_ENV = "MOTO_SANDBOX_STATE"
SAVE_INTERVAL = 5.0  # seconds between two saves while requests change the state
STATE_FORMAT = 1
READ_METHODS = ("GET", "HEAD", "OPTIONS")


def _log(message):
    print("moto_sandbox: " + message, file=sys.stderr, flush=True)


class _RequestGate:
    """Requests share it, a save takes it alone: the state is never pickled halfway through a
    request. A save first waits for a moment without requests (new ones still enter); when
    none comes it holds new requests back until those in flight are done, but only for
    `drain` seconds, so that a request moto makes to itself, or a long poll, only delays it."""

    def __init__(self):
        self._cond = threading.Condition()
        self._active = 0
        self._closing = False  # new requests wait
        self._closed = False  # a save holds the state

    def enter(self):
        with self._cond:
            self._cond.wait_for(lambda: not (self._closing or self._closed))
            self._active += 1

    def leave(self):
        with self._cond:
            self._active -= 1
            if not self._active:
                self._cond.notify_all()

    def close(self, patience, drain):
        """True when no request is in flight and none can start until reopen()."""
        with self._cond:
            if self._cond.wait_for(lambda: not self._active and not self._closed, patience):
                self._closed = True
                return True
            self._closing = True
            try:
                if self._cond.wait_for(lambda: not self._active and not self._closed, drain):
                    self._closed = True
                    return True
                return False
            finally:
                self._closing = False
                self._cond.notify_all()

    def reopen(self):
        with self._cond:
            self._closed = False
            self._cond.notify_all()


class _Module:
    """Pickles as importlib.import_module(name)."""

    def __init__(self, name):
        self.name = name

    def __reduce__(self):
        return importlib.import_module, (self.name,)


class _Global:
    """Pickles as module.name (getattr of the module, imported when loading): for the objects
    that pickle would not find by their own module and name."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __reduce__(self):
        return getattr, (_Module(self.module), self.name)

    def __call__(self, *args):  # pickle wants a callable in a reduce value; never called
        raise TypeError("a stand-in for %s.%s" % (self.module, self.name))


# What does not pickle, handled narrowly (the rest fails and is reported by _snapshot):
# - locks and conditions (EC2's endpoint services, SQS queues, ECR, SimpleDB...) come back new
#   and unlocked: no request is in flight while saving;
# - lambdas as a defaultdict's default factory, by module and qualified name: a picklable
#   equivalent (SSM's tags); defaultdict subclasses whose __init__ takes other arguments (SSM's
#   parameters);
# - cryptography's keys and certificates, Rust objects (each KMS key has a signing key): saved
#   as DER.
_LOCKS = {type(threading.Lock()): threading.Lock, type(threading.RLock()): threading.RLock,
          threading.Condition: threading.Condition}
_FACTORIES = {
    ("moto.ssm.models", "SimpleSystemManagerBackend.__init__.<locals>.<lambda>"):
        functools.partial(collections.defaultdict, dict),
}


def _reduce_defaultdict(obj):
    factory = obj.default_factory
    if isinstance(factory, types.FunctionType):
        factory = _FACTORIES.get((factory.__module__, factory.__qualname__), factory)
    if obj.__class__ is collections.defaultdict:
        return collections.defaultdict, (factory,), None, None, iter(obj.items())
    # A subclass: defaultdict's own reduce calls it with the factory, as SSM's ParameterDict
    # (account, region) cannot be. Made without __init__, the factory set as an attribute.
    return (copyreg.__newobj__, (type(obj),), (getattr(obj, "__dict__", None), {"default_factory": factory}),
            None, iter(obj.items()))


def _subclasses(cls):
    found = {cls}
    for sub in cls.__subclasses__():
        found |= _subclasses(sub)
    return found


def _crypto_reducers():
    """{concrete class: reducer} for cryptography's key and certificate classes."""
    # pylint: disable=import-outside-toplevel
    try:
        from cryptography import x509
        from cryptography.hazmat.bindings import _rust
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa, x448, x25519
    except ImportError:
        return {}
    der = serialization.Encoding.DER
    private = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey,
               ed448.Ed448PrivateKey, x25519.X25519PrivateKey, x448.X448PrivateKey)
    public = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey,
              ed448.Ed448PublicKey, x25519.X25519PublicKey, x448.X448PublicKey)
    serialization_module = "cryptography.hazmat.primitives.serialization"

    def private_key(key):
        data = key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        return _Global(serialization_module, "load_der_private_key"), (data, None)

    def public_key(key):
        data = key.public_bytes(der, serialization.PublicFormat.SubjectPublicKeyInfo)
        return _Global(serialization_module, "load_der_public_key"), (data,)

    def certificate(cert):
        return _Global("cryptography.x509", "load_der_x509_certificate"), (cert.public_bytes(der),)

    def request(csr):
        return _Global("cryptography.x509", "load_der_x509_csr"), (csr.public_bytes(der),)

    classes = set()
    for module in [_rust.x509] + [m for m in vars(_rust.openssl).values() if isinstance(m, types.ModuleType)]:
        classes.update(v for v in vars(module).values() if isinstance(v, type))
    reducers = {}
    for cls in classes:
        if issubclass(cls, private):
            reducers[cls] = private_key
        elif issubclass(cls, public):
            reducers[cls] = public_key
        elif issubclass(cls, x509.Certificate):
            reducers[cls] = certificate
        elif issubclass(cls, x509.CertificateSigningRequest):
            reducers[cls] = request
    return reducers


def _backend_dicts():
    """{id(BackendDict): (module, name)} for the BackendDicts of the moto modules loaded."""
    found = {}
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith("moto.") or module is None:
            continue
        for name, value in list(vars(module).items()):
            if isinstance(value, BackendDict):
                found.setdefault(id(value), []).append((module_name, name, value))
    names = {}
    for places in found.values():
        # The module that defines it (the backend class's), else the shortest name.
        home = places[0][2].backend.__module__
        best = min(places, key=lambda place, home=home: (place[0] != home, len(place[0]), place[:2]))
        names[id(places[0][2])] = best[:2]
    return names


class StateFile:
    """The moto state in MOTO_SANDBOX_STATE: load(), then serve with install(), final_save()."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.gate = _RequestGate()
        self._dirty = False
        self._save_lock = threading.Lock()
        self._unpicklable = set()  # backends left out of the last save, logged once
        self._last_error = None  # a save that keeps failing is logged once

    # Loading ----------------------------------------------------------------------------

    def load(self):
        """Restore the saved state into moto's live backends; False when there was none."""
        if not os.path.exists(self.path):
            return False
        started = time.monotonic()
        try:
            with open(self.path, "rb") as state:
                header = pickle.load(state)
                if not isinstance(header, dict) or header.get("format") != STATE_FORMAT:
                    raise ValueError("not a moto_sandbox state file (it starts with %.100r)" % (header,))
                if header.get("moto") != moto.__version__:
                    raise ValueError("saved by moto %s, this is moto %s" % (header.get("moto"), moto.__version__))
                payload = pickle.load(state)
            count = self._restore(payload)
        except Exception as error:  # pylint: disable=broad-except
            self._forget()
            bad = self.path + ".bad"
            try:
                os.replace(self.path, bad)
                kept = "kept as %s" % bad
            except OSError as rename_error:
                kept = "could not rename it to %s: %s" % (bad, rename_error)
            _log("cannot load the saved moto state %s (%s: %s); starting empty, the file is %s"
                 % (self.path, type(error).__name__, error, kept))
            return False
        _log("loaded the moto state from %s (%d backends, saved %s) in %.2fs"
             % (self.path, count, header.get("saved"), time.monotonic() - started))
        return True

    @staticmethod
    def _restore(payload):
        count = 0
        for module_name, name, extras, accounts in payload["backends"]:
            backend_dict = getattr(importlib.import_module(module_name), name)
            vars(backend_dict).update(extras)
            for account_id, regions in accounts.items():
                per_account = backend_dict[account_id]  # created and registered for reset
                for region, backend in regions.items():
                    dict.__setitem__(per_account, region, backend)
                    count += 1
        mock_random.setstate(payload["random"])
        state_manager._transitions.update(payload["transitions"])  # pylint: disable=protected-access
        return count

    @staticmethod
    def _forget():
        """Back to an empty moto after a restore that failed halfway."""
        try:
            BackendDict.reset()
        except Exception:  # pylint: disable=broad-except
            for backend_dict in BackendDict._instances:  # pylint: disable=protected-access
                backend_dict.clear()
            BackendDict._instances.clear()  # pylint: disable=protected-access
        reset_model_data()

    # Saving -----------------------------------------------------------------------------

    def _snapshot(self):
        """The pickled state as a list of bytes; call with the gate closed."""
        names = _backend_dicts()
        # What a BackendDict holds besides its backends: S3's bucket namespace, Organizations'
        # master accounts.
        standard = set(vars(BackendDict(BaseBackend, "none")))
        accounts_of = {}  # id(AccountSpecificBackend) -> (its BackendDict, account id)
        live = []
        for backend_dict in list(BackendDict._instances):  # pylint: disable=protected-access
            if id(backend_dict) not in names:
                self._note_unpicklable(("the %s backends" % backend_dict.service_name, "not a module global"))
                continue
            for account_id, per_account in backend_dict.items():
                accounts_of[id(per_account)] = (backend_dict, account_id)
            live.append((names[id(backend_dict)], backend_dict))

        # The BackendDicts and their per-account dicts are module globals that the responses use:
        # saved by name, they load as the live ones of the new process.
        def reduce_backend_dict(obj):
            if id(obj) in names:
                return getattr, (_Module(names[id(obj)][0]), names[id(obj)][1])
            return obj.__reduce_ex__(pickle.HIGHEST_PROTOCOL)

        def reduce_account(obj):
            if id(obj) in accounts_of:
                return operator.getitem, accounts_of[id(obj)]
            return obj.__reduce_ex__(pickle.HIGHEST_PROTOCOL)

        # A dispatch table, not reducer_override: no Python call for each object pickled.
        table = dict(copyreg.dispatch_table)
        table.update(_crypto_reducers())
        table.update({kind: lambda obj, new=new: (new, ()) for kind, new in _LOCKS.items()})
        table.update(dict.fromkeys(_subclasses(collections.defaultdict), _reduce_defaultdict))
        table.update(dict.fromkeys(_subclasses(BackendDict), reduce_backend_dict))
        table.update(dict.fromkeys(_subclasses(AccountSpecificBackend), reduce_account))

        def dumps(obj):
            chunks = []
            pickler = pickle.Pickler(_Chunks(chunks), protocol=pickle.HIGHEST_PROTOCOL)
            pickler.dispatch_table = table
            pickler.dump(obj)
            return chunks

        def payload(skip):
            backends = []
            for (module_name, name), backend_dict in live:
                accounts = {}
                for account_id, per_account in backend_dict.items():
                    regions = {region: backend for region, backend in per_account.items()
                               if (module_name, name, account_id, region) not in skip}
                    if regions:
                        accounts[account_id] = regions
                extras = {key: value for key, value in vars(backend_dict).items() if key not in standard}
                backends.append((module_name, name, extras, accounts))
            return {"backends": backends, "random": mock_random.getstate(),
                    "transitions": dict(state_manager._transitions)}  # pylint: disable=protected-access

        header = {"format": STATE_FORMAT, "moto": moto.__version__,
                  "saved": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        head = [pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL)]
        try:
            return head + dumps(payload(()))
        except Exception as error:  # pylint: disable=broad-except
            if error.__class__ is RuntimeError:  # changed while pickling (no gate): try again
                raise
        # Find the backends that do not pickle, save the others.
        skip = set()
        for (module_name, name), backend_dict in live:
            for account_id, per_account in backend_dict.items():
                for region, backend in per_account.items():
                    try:
                        dumps(backend)
                    except Exception as error:  # pylint: disable=broad-except
                        skip.add((module_name, name, account_id, region))
                        self._note_unpicklable(("%s.%s[%s][%s]" % (module_name, name, account_id, region),
                                                "%s: %s" % (type(error).__name__, error)))
        return head + dumps(payload(skip))

    def _note_unpicklable(self, what):
        if what not in self._unpicklable:
            self._unpicklable.add(what)
            _log("not saving %s (%s): it will be empty after a restart" % what)

    def _write(self, data):
        directory = os.path.dirname(self.path)
        os.makedirs(directory, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=os.path.basename(self.path) + ".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                os.fchmod(out.fileno(), 0o600)
                out.writelines(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise
        try:
            dir_fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError:
            pass

    def save(self, patience=1.0, drain=2.0, final=False):
        """Save now. False when requests kept the gate open (the next try saves) or on an error.
        A final save keeps the gate closed: no request changes the state after it."""
        with self._save_lock:
            closed = self.gate.close(patience, drain)
            if not closed and not final:
                return False
            if not closed:
                _log("saving the moto state while requests are still in flight")
            try:
                self._dirty = False
                started = time.monotonic()
                for attempt in range(3):
                    try:
                        data = self._snapshot()
                        break
                    except RuntimeError:  # changed during iteration: only without the gate
                        if closed or attempt == 2:
                            raise
                pickled = time.monotonic() - started
            except Exception as error:  # pylint: disable=broad-except
                self._dirty = True
                self._error("cannot save the moto state (%s: %s)" % (type(error).__name__, error))
                return False
            finally:
                if closed and not final:
                    self.gate.reopen()
            try:
                self._write(data)
            except OSError as error:
                self._dirty = True
                self._error("cannot write the moto state to %s: %s" % (self.path, error))
                return False
            self._last_error = None
            if final:
                _log("saved the moto state to %s (%d bytes, pickled in %.2fs)"
                     % (self.path, sum(map(len, data)), pickled))
            return True

    def _error(self, message):
        if message != self._last_error:
            self._last_error = message
            _log(message)

    def final_save(self):
        try:  # a second signal does not interrupt the save
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, signal.SIG_IGN)
        except ValueError:  # not the main thread
            pass
        if self._dirty:
            self.save(patience=5.0, drain=15.0, final=True)

    # Serving ----------------------------------------------------------------------------

    def install(self):
        """Let the requests through the gate, note the changes, save in the background."""
        state = self
        original = DomainDispatcherApplication.__call__

        def __call__(app, environ, start_response):
            method = environ.get("REQUEST_METHOD", "GET").upper()
            state.gate.enter()
            try:
                if method not in READ_METHODS:
                    state._dirty = True  # pylint: disable=protected-access
                response = original(app, environ, start_response)
            finally:
                state.gate.leave()
            if method == "POST" and environ.get("PATH_INFO", "").rstrip("/") == "/moto-api/reset":
                state.save(patience=5.0, drain=15.0)  # the saved state is emptied too
            return response

        DomainDispatcherApplication.__call__ = __call__
        threading.Thread(target=self._saver, name="moto-sandbox-state", daemon=True).start()

    def _saver(self):
        while True:
            time.sleep(SAVE_INTERVAL)
            if self._dirty:
                try:
                    self.save()
                except Exception as error:  # pylint: disable=broad-except
                    self._error("cannot save the moto state (%s: %s)" % (type(error).__name__, error))


class _Chunks:
    """A file that keeps what is written as a list of bytes: no copies of a growing buffer for a
    state of tens of megabytes."""

    def __init__(self, chunks):
        self.write = chunks.append


def run(argv):
    moto_gaps.patch()
    path = os.environ.get(STATE_ENV, "")
    state = StateFile(path) if path else None
    if state:
        state.load()
        state.install()
    try:
        main(argv)
    finally:
        if state:
            state.final_save()


if __name__ == "__main__":
    run(sys.argv[1:])
