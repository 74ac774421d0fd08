#!/usr/bin/env python3
"""A real XML-RPC provisioning server for the tests (DESIGN.md section 2.8), on the standard library.

It implements the documented methods: challenge/response authentication with a challenge TTL and
tokens, error tuples whose value is 0, per-connector results {status, info, request, id, modDate},
request ids answered by getResponseById, and a deprecated provisionRequest that only faults.

Tests steer it through `test.*` methods (never part of the real API):
  test.configure({...})  challenge_ttl, challenge_delay, token_ttl, down [connectors], fail_connector,
                         refuse_tokens (n), internal_error (bool), delay {method: s} (after acting),
                         fault {method: [code, text]}, garbage {method: body}, http_error {method: n},
                         huge {method: bytes}
  test.stats()           calls per method, challenges issued, last agent, tokens issued
  test.reset()           back to the initial accounts and settings

Usage: provision_server.py --port 0 --agent NAME --password-file FILE
Prints `LISTENING <port>` once it accepts connections.
"""
import argparse
import copy
import hashlib
import secrets
import sys
import threading
import time
import xmlrpc.client
from socketserver import ThreadingMixIn
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

CONNECTORS = ["LDAP", "Unix", "Zimbra", "AFS"]
SERVICE_MAP = {"login": ["LDAP", "Unix"], "mail": ["Zimbra"], "storage": ["AFS"]}

INITIAL_ACCOUNTS = {
    "jdoe": {
        "LDAP": {"uid": "jdoe", "cn": "Jane Doe", "mail": "jane.doe@example.org", "enabled": True},
        "Unix": {"uid": "jdoe", "uidNumber": 10001, "loginShell": "/bin/bash", "enabled": True},
        "Zimbra": {"uid": "jdoe", "mail": "jane.doe@example.org", "quota": 1.5, "enabled": True},
        "AFS": {"uid": "jdoe", "volume": "user.jdoe", "enabled": True},
    },
    "noshell": {
        "LDAP": {"uid": "noshell", "cn": "No Shell", "mail": "noshell@example.org", "enabled": True},
        "Unix": {"uid": "noshell", "uidNumber": 10002, "loginShell": None, "enabled": True},
        "Zimbra": {"uid": "noshell", "mail": "noshell@example.org", "quota": 0.5, "enabled": False},
    },
}

DEFAULTS = {
    "challenge_ttl": 10.0,
    "challenge_delay": 0.0,
    "token_ttl": 3600.0,
    "down": ["AFS"],
    "fail_connector": None,
    "refuse_tokens": 0,
    "internal_error": False,
    "delay": {},
    "fault": {},
    "garbage": {},
    "http_error": {},
    "huge": {},
}


class State:
    def __init__(self, agent, password):
        self.agent = agent
        self.password = password
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.settings = copy.deepcopy(DEFAULTS)
        self.accounts = copy.deepcopy(INITIAL_ACCOUNTS)
        self.challenges = {}
        self.tokens = {}
        self.responses = {}
        self.next_id = 1000
        self.calls = {}
        self.challenges_issued = 0
        self.tokens_issued = 0


def authenticated(method):
    """Methods that take a token first: a refused or expired token is the error tuple, nothing is done."""

    def check(self, token, *args):
        if not self._token_ok(token):
            return ["Invalid Token", 0]
        return method(self, token, *args)

    check.__name__ = method.__name__
    return check


def now_datetime():
    return xmlrpc.client.DateTime(time.strftime("%Y%m%dT%H:%M:%S", time.gmtime()))


class Api:
    def __init__(self, state):
        self.s = state

    # ---------------------------------------------------------------- no auth
    def ok(self):
        return "OK"

    def authenticate(self, agent, response=None):
        s = self.s
        if s.settings["internal_error"]:
            return ["Internal Error", 0]
        if response is None:
            challenge = secrets.token_hex(16)
            with s.lock:
                s.challenges[agent] = (challenge, time.monotonic())
                s.challenges_issued += 1
            if s.settings["challenge_delay"]:
                time.sleep(s.settings["challenge_delay"])
            return ["challenge", challenge]
        with s.lock:
            pending = s.challenges.pop(agent, None)
        if pending is None or time.monotonic() - pending[1] > s.settings["challenge_ttl"]:
            return ["Invalid Challenge", 0]
        data = response.data if isinstance(response, xmlrpc.client.Binary) else b""
        expected = hashlib.md5((s.password + pending[0]).encode("utf-8")).digest()
        if agent != s.agent or data != expected:
            return ["Invalid Response", 0]
        token = secrets.token_hex(20)
        with s.lock:
            s.tokens[token] = time.monotonic()
            s.tokens_issued += 1
        return ["token", token]

    # ---------------------------------------------------------------- helpers
    def _token_ok(self, token):
        s = self.s
        with s.lock:
            if s.settings["refuse_tokens"] > 0:
                s.settings["refuse_tokens"] -= 1
                s.tokens.pop(token, None)
                return False
            issued = s.tokens.get(token)
            if issued is None or time.monotonic() - issued > s.settings["token_ttl"]:
                s.tokens.pop(token, None)
                return False
            return True

    def _connectors_for(self, services):
        if not services:
            return list(CONNECTORS)
        found = []
        for service in services:
            for connector in SERVICE_MAP.get(service, []):
                if connector not in found:
                    found.append(connector)
        return found

    def _result(self, connector, method, status, info):
        s = self.s
        with s.lock:
            rid = s.next_id
            s.next_id += 1
        result = {"status": status, "info": info, "request": method, "id": rid, "modDate": now_datetime()}
        with s.lock:
            s.responses[rid] = {connector: result}
        return result

    def _unavailable(self, connector):
        if connector in self.s.settings["down"]:
            return "connector unavailable"
        if connector == self.s.settings["fail_connector"]:
            return "injected failure"
        return None

    # ---------------------------------------------------------------- writes
    @authenticated
    def enableAccount(self, token, uid, services, data):
        return self._set_enabled(token, uid, services, True, data or {}, "enableAccount")

    @authenticated
    def disableAccount(self, token, uid, services):
        return self._set_enabled(token, uid, services, False, {}, "disableAccount")

    def _set_enabled(self, token, uid, services, enabled, data, method):
        unknown = [x for x in (services or []) if x not in SERVICE_MAP]
        if unknown:
            return ["Unknown Service: " + ", ".join(unknown), 0]
        out = {}
        for connector in self._connectors_for(services):
            problem = self._unavailable(connector)
            if problem:
                out[connector] = self._result(connector, method, "ERROR", problem)
                continue
            with self.s.lock:
                account = self.s.accounts.setdefault(uid, {})
                if connector not in account:
                    if not enabled:
                        problem = "no such account"
                    else:
                        account[connector] = {"uid": uid}
                if not problem:
                    account[connector].update(data.get(connector, {}) if isinstance(data.get(connector), dict) else {})
                    account[connector]["enabled"] = enabled
            if problem:
                out[connector] = self._result(connector, method, "ERROR", problem)
            else:
                out[connector] = self._result(connector, method, "OK", "enabled" if enabled else "disabled")
        return out

    @authenticated
    def updateAccount(self, token, uid, changes):
        out = {}
        for connector, fields in (changes or {}).items():
            problem = None if connector in CONNECTORS else "unknown connector"
            problem = problem or self._unavailable(connector)
            with self.s.lock:
                account = self.s.accounts.get(uid, {}).get(connector)
                if not problem and account is None:
                    problem = "no such account"
                if not problem:
                    account.update(fields)
            out[connector] = self._result(connector, "updateAccount", "ERROR" if problem else "OK", problem or "updated")
        return out

    # ---------------------------------------------------------------- reads
    @authenticated
    def getAccountInformation(self, token, uid, services=None, attrib="uid"):
        out = {}
        for connector in self._connectors_for(services):
            problem = self._unavailable(connector)
            if problem:
                out[connector] = self._result(connector, "getAccountInformation", "ERROR", problem)
                continue
            with self.s.lock:
                match = None
                for account in self.s.accounts.values():
                    entry = account.get(connector)
                    if entry is not None and entry.get(attrib) == uid:
                        match = copy.deepcopy(entry)
                        break
            if match is None:
                out[connector] = self._result(connector, "getAccountInformation", "ERROR", "no such account")
            else:
                out[connector] = self._result(connector, "getAccountInformation", "OK", match)
        return out

    @authenticated
    def getAccountStatus(self, token, uid):
        problem = self._unavailable("Zimbra")
        with self.s.lock:
            entry = self.s.accounts.get(uid, {}).get("Zimbra")
        if not problem and entry is None:
            problem = "no such account"
        info = problem or ("active" if entry.get("enabled") else "closed")
        return {"Zimbra": self._result("Zimbra", "getAccountStatus", "ERROR" if problem else "OK", info)}

    @authenticated
    def getServices(self, token):
        return sorted(SERVICE_MAP)

    @authenticated
    def getServiceMap(self, token):
        return SERVICE_MAP

    @authenticated
    def getConnectors(self, token):
        return list(CONNECTORS)

    @authenticated
    def getConnectorsStatus(self, token):
        out = {}
        for connector in CONNECTORS:
            problem = self._unavailable(connector)
            out[connector] = {"status": "DOWN" if problem else "UP", "info": problem or "running", "modDate": now_datetime()}
        return out

    @authenticated
    def getResponseById(self, token, rid):
        with self.s.lock:
            found = self.s.responses.get(int(rid))
        if found is None:
            return ["Unknown Request: %s" % rid, 0]
        return found

    def provisionRequest(self, *args):
        raise xmlrpc.client.Fault(1, "provisionRequest is deprecated")


class Control:
    def __init__(self, state):
        self.s = state

    def configure(self, settings):
        with self.s.lock:
            for key, value in settings.items():
                if key not in DEFAULTS:
                    raise xmlrpc.client.Fault(2, "unknown setting " + key)
                self.s.settings[key] = value
        return True

    def stats(self):
        with self.s.lock:
            return {
                "calls": dict(self.s.calls),
                "challengesIssued": self.s.challenges_issued,
                "tokensIssued": self.s.tokens_issued,
            }

    def reset(self):
        with self.s.lock:
            self.s.reset()
        return True


class Server(ThreadingMixIn, SimpleXMLRPCServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, state):
        super().__init__(address, requestHandler=Handler, allow_none=True, logRequests=False)
        self.state = state
        api = Api(state)
        for name in dir(api):
            if not name.startswith("_"):
                self.register_function(getattr(api, name), name)
        control = Control(state)
        for name in ("configure", "stats", "reset"):
            self.register_function(getattr(control, name), "test." + name)

    def _marshaled_dispatch(self, data, dispatch_method=None, path=None):
        try:
            _, method = xmlrpc.client.loads(data, use_builtin_types=False)
        except Exception:
            method = None
        s = self.state
        if method and not method.startswith("test."):
            with s.lock:
                s.calls[method] = s.calls.get(method, 0) + 1
                failures = s.settings["http_error"].get(method, 0)
                if failures:
                    s.settings["http_error"][method] = failures - 1
            if failures:
                raise RuntimeError("injected HTTP error")
            if method in s.settings["fault"]:
                code, text = s.settings["fault"][method]
                return xmlrpc.client.dumps(xmlrpc.client.Fault(code, text), methodresponse=True, allow_none=True).encode()
            if method in s.settings["garbage"]:
                return s.settings["garbage"][method].encode()
            if method in s.settings["huge"]:
                return xmlrpc.client.dumps(("x" * int(s.settings["huge"][method]),), methodresponse=True).encode()
        reply = super()._marshaled_dispatch(data, dispatch_method, path)
        delay = s.settings["delay"].get(method) if method else None
        if delay:
            time.sleep(delay)
        return reply


class Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/", "/RPC2", "/xmlrpc")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--agent", default="idsync")
    parser.add_argument("--password-file", required=True)
    args = parser.parse_args()
    with open(args.password_file, encoding="utf-8") as f:
        password = f.read().strip()
    server = Server(("127.0.0.1", args.port), State(args.agent, password))
    print("LISTENING %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
