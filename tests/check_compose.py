"""Checks docker-compose.yml without a Docker engine: valid YAML, every service has an image or a
build, every dependency names a service, every named volume and secret is declared, and the build
context has a Dockerfile. Exits non-zero with a line per problem."""

import sys
from pathlib import Path

import yaml


def problems(path):
    doc = yaml.safe_load(Path(path).read_text())
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict):
        yield "no services: mapping"
        return
    services = doc["services"]
    volumes = set((doc.get("volumes") or {}).keys())
    secrets = set((doc.get("secrets") or {}).keys())
    for name, svc in services.items():
        if not isinstance(svc, dict):
            yield "%s: not a mapping" % name
            continue
        if "image" not in svc and "build" not in svc:
            yield "%s: neither image nor build" % name
        if "build" in svc:
            ctx = svc["build"] if isinstance(svc["build"], str) else svc["build"].get("context", ".")
            if not (Path(path).parent / ctx / "Dockerfile").exists():
                yield "%s: no Dockerfile in build context %s" % (name, ctx)
        deps = svc.get("depends_on") or []
        for dep in deps if isinstance(deps, list) else deps.keys():
            if dep not in services:
                yield "%s: depends on unknown service %s" % (name, dep)
        for vol in svc.get("volumes") or []:
            source = vol.split(":", 1)[0] if isinstance(vol, str) else vol.get("source", "")
            if source and not source.startswith((".", "/", "~")) and source not in volumes:
                yield "%s: volume %s is not declared" % (name, source)
            if source.startswith("./") and not (Path(path).parent / source).exists():
                yield "%s: bind source %s does not exist" % (name, source)
        for secret in svc.get("secrets") or []:
            source = secret if isinstance(secret, str) else secret.get("source", "")
            if source not in secrets:
                yield "%s: secret %s is not declared" % (name, source)
        network = svc.get("network_mode", "")
        if network.startswith("service:") and network[len("service:"):] not in services:
            yield "%s: network_mode names unknown service %s" % (name, network[len("service:"):])
        for port in svc.get("ports") or []:
            if not str(port).replace(":", "").replace("/tcp", "").isdigit():
                yield "%s: port %r is not HOST:CONTAINER" % (name, port)


if __name__ == "__main__":
    found = list(problems(sys.argv[1]))
    for p in found:
        print("compose: " + p)
    print("compose: %s is %s" % (sys.argv[1], "invalid" if found else "valid"))
    sys.exit(1 if found else 0)
