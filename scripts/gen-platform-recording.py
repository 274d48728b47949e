#!/usr/bin/env python3
"""Generates recordings/platform.yaml, the sandbox recording shipped with opsdeck.

The recording depicts the GitOps platform of the seed runbooks on EKS: cluster
`platform-prod` in eu-west-1 with three managed node groups (infra, apps, database),
Argo CD in namespace `argo` driving an app of apps (monitoring, cert-manager, traefik,
cnpg-operator, keycloak) and a CloudNativePG cluster for Keycloak.

Standard library only and deterministic: every uid, hash, IP address and digest is
derived from a SHA-256 of a stable key, so regenerating gives byte-identical output.
The generator checks the cluster for consistency (owner references, selectors,
scheduling, requests vs allocatable, recording keys) before it writes anything.

Usage:
    python3 scripts/gen-platform-recording.py            # writes recordings/platform.yaml
    python3 scripts/gen-platform-recording.py --check    # verifies the file is up to date
    python3 scripts/gen-platform-recording.py -o FILE    # writes elsewhere
"""

from __future__ import annotations

import argparse
import bisect
import base64
import copy
import datetime as dt
import hashlib
import json
import math
import re
import sys
import uuid
from pathlib import Path

# --------------------------------------------------------------------------------------
# Constants of the depicted platform
# --------------------------------------------------------------------------------------

RECORDED_AT = dt.datetime(2026, 11, 1, 9, 0, 0, tzinfo=dt.timezone.utc)
K8S_VERSION = "v1.31.4-eks-2d5f260"
KUBELET_VERSION = "v1.31.4-eks-aeac579"
CLUSTER = "platform-prod"
REGION = "eu-west-1"
ECR = f"602401143452.dkr.ecr.{REGION}.amazonaws.com"
IN_CLUSTER = "https://kubernetes.default.svc"
GITOPS_REPO = "https://gitlab.example.com/platform/gitops.git"
DOMAIN = "platform.example.com"
AMI = "ami-0b5e9c3d27a1f4e86"
OS_IMAGE = "Amazon Linux 2023.6.20250203"
KERNEL = "6.1.127-135.201.amzn2023.x86_64"
CONTAINERD = "containerd://1.7.25"

ARGOCD_VERSION = "v3.1.9"
ARGOCD_CHART = "argo-cd-8.6.4"
ARGOCD_IMAGE = f"quay.io/argoproj/argocd:{ARGOCD_VERSION}"

# Commits of the GitOps repository (newest first).
COMMIT_A = "9f3c2b7e41d85a06c1e29b4f7d3a86e05c2f1b94"  # 2026-11-01 08:14 bump traefik + cnpg charts
COMMIT_C = "4e1a9d03b6c87f25e9a0d14c3b7f62a8e5d91c07"  # 2026-10-24 keycloak memory limit
COMMIT_E = "b82d6f19c0e47a3d5f61c8e29a4b07d3c16e5f28"  # 2026-10-13 bootstrap

ZONES = {"a": f"{REGION}a", "b": f"{REGION}b", "c": f"{REGION}c"}
ZONE_IDS = {"a": "euw1-az2", "b": "euw1-az3", "c": "euw1-az1"}
# Private subnets of the VPC, one per zone: third octet ranges.
SUBNETS = {"a": (0, 31), "b": (32, 63), "c": (64, 95)}

# --------------------------------------------------------------------------------------
# Deterministic helpers
# --------------------------------------------------------------------------------------


def digest(*parts) -> bytes:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()


def make_uid(*parts) -> str:
    return str(uuid.UUID(bytes=digest("uid", *parts)[:16], version=4))


def hexid(n: int, *parts) -> str:
    out = ""
    i = 0
    while len(out) < n:
        out += digest("hex", i, *parts).hex()
        i += 1
    return out[:n]


ALNUM = "bcdfghjklmnpqrstvwxz2456789"  # the alphabet of Kubernetes generated names


def kname(n: int, *parts) -> str:
    return "".join(ALNUM[b % len(ALNUM)] for b in digest("name", *parts)[:n])


def num(lo: int, hi: int, *parts) -> int:
    return lo + int.from_bytes(digest("num", *parts)[:8], "big") % (hi - lo + 1)


_rv = [48213577]


def next_rv() -> str:
    _rv[0] += 37 + _rv[0] % 211
    return str(_rv[0])


def ago(days=0, hours=0, minutes=0, seconds=0.0) -> dt.datetime:
    return RECORDED_AT - dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def after(seconds: float) -> dt.datetime:
    return RECORDED_AT + dt.timedelta(seconds=seconds)


def at(text: str) -> dt.datetime:
    """An absolute time, e.g. at("2026-10-13T11:10:04")."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc)


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_micro(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_nano(t: dt.datetime, salt="") -> str:
    extra = num(0, 999, "nano", iso_micro(t), salt)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f") + f"{extra:03d}Z"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def cpu_milli(q: str) -> int:
    return int(q[:-1]) if q.endswith("m") else int(float(q) * 1000)


# --------------------------------------------------------------------------------------
# Registry of generated objects
# --------------------------------------------------------------------------------------

SECTIONS: list[tuple[str, list]] = []
INDEX: dict[tuple, dict] = {}  # (kind, namespace, name) -> object
APP_RESOURCES: dict[str, list] = {}  # Argo CD app -> managed top-level objects
APP_IMAGES: dict[str, set] = {}


def section(title: str) -> list:
    objs: list = []
    SECTIONS.append((title, objs))
    return objs


def add(objs: list, obj: dict) -> dict:
    key = (obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"])
    assert key not in INDEX, f"duplicate object {key}"
    INDEX[key] = obj
    objs.append(obj)
    return obj


def get(kind: str, ns: str | None, name: str) -> dict:
    return INDEX[(kind, ns, name)]


def meta(kind, name, ns=None, *, created, labels=None, annotations=None, owner=None,
         generate_name=None, finalizers=None, generation=None) -> dict:
    m: dict = {"name": name}
    if generate_name:
        m["generateName"] = generate_name
    if ns:
        m["namespace"] = ns
    m["uid"] = make_uid(kind, ns, name)
    m["resourceVersion"] = next_rv()
    m["creationTimestamp"] = iso(created)
    if generation is not None:
        m["generation"] = generation
    if labels:
        m["labels"] = dict(labels)
    if annotations:
        m["annotations"] = dict(annotations)
    if owner is not None:
        m["ownerReferences"] = [owner_ref(owner)]
    if finalizers:
        m["finalizers"] = list(finalizers)
    return m


def owner_ref(obj: dict) -> dict:
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def tracking_id(app, api_version, kind, ns, name) -> str:
    group = api_version.split("/")[0] if "/" in api_version else ""
    return f"{app}:{group}/{kind}:{ns or ''}/{name}"


def manage(app: str | None, obj: dict) -> dict:
    """Marks a top-level object as managed by an Argo CD Application (annotation tracking)."""
    if app is None:
        return obj
    m = obj["metadata"]
    m.setdefault("annotations", {})["argocd.argoproj.io/tracking-id"] = tracking_id(
        app, obj["apiVersion"], obj["kind"], m.get("namespace"), m["name"])
    APP_RESOURCES.setdefault(app, []).append(obj)
    return obj


def helm_annotations(release, ns) -> dict:
    return {"meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": ns}


# --------------------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------------------

IMAGE_SIZES: dict[str, int] = {}


def image_ref(image: str) -> str:
    """The image name as containerd reports it in status.image."""
    if image.startswith("docker.io/") and image.count("/") == 1:
        return image.replace("docker.io/", "docker.io/library/", 1)
    return image


def image_id(image: str) -> str:
    ref = image_ref(image)
    repo = ref.rsplit(":", 1)[0]
    return f"{repo}@sha256:{hexid(64, 'digest', ref)}"


IMAGE_MB = [  # (substring of the image name, compressed size range in MB)
    ("postgresql:", 190, 230), ("keycloak:", 230, 270), ("argocd:", 170, 190),
    ("grafana:", 110, 130), ("prometheus/prometheus:", 110, 130), ("alertmanager:", 30, 40),
    ("node-exporter:", 10, 13), ("kube-state-metrics:", 20, 25),
    ("prometheus-operator:", 18, 22), ("config-reloader:", 6, 8), ("k8s-sidecar:", 30, 40),
    ("traefik:", 45, 55), ("cloudnative-pg:", 40, 50), ("cert-manager", 15, 25),
    ("redis:", 15, 18), ("dex:", 30, 40), ("alpine:", 3, 4), ("k8s-cni-init:", 28, 35),
    ("k8s-cni:", 40, 50), ("network-policy-agent:", 30, 40), ("kube-proxy:", 30, 35),
    ("coredns:", 15, 18), ("aws-ebs-csi-driver:", 35, 45), ("livenessprobe:", 8, 12),
    ("csi-", 12, 20),
]


def image_size(image: str) -> int:
    lo, hi = next(((lo, hi) for key, lo, hi in IMAGE_MB if key in image), (20, 80))
    return IMAGE_SIZES.setdefault(image, num(lo * 1_000_000, hi * 1_000_000, "size", image))


# --------------------------------------------------------------------------------------
# Nodes
# --------------------------------------------------------------------------------------

POOLS = {
    "infra": dict(instance="m6i.large", cpu="2", alloc_cpu="1930m", mem="7910360Ki",
                  alloc_mem="7220184Ki", pods="29", disk="20959212Ki", alloc_disk="18242267924",
                  lt="lt-0a7d3f9c1e5b24680"),
    "apps": dict(instance="m6i.xlarge", cpu="4", alloc_cpu="3920m", mem="16071656Ki",
                 alloc_mem="15054824Ki", pods="58", disk="52362220Ki", alloc_disk="47233297124",
                 lt="lt-03c8e1b5a9f7d2046"),
    "database": dict(instance="r6i.large", cpu="2", alloc_cpu="1930m", mem="16064392Ki",
                     alloc_mem="15374216Ki", pods="29", disk="20959212Ki", alloc_disk="18242267924",
                     lt="lt-0e62b4d8f1c3a9057"),
}

NODE_SPECS = [
    # private IP, pool, zone, instance id, joined
    ("10.0.1.23", "infra", "a", "i-0a4c2e1f9b3d57812", at("2026-10-13T10:21:07")),
    ("10.0.45.112", "infra", "b", "i-0d81f3a6c2e94b705", at("2026-10-13T10:21:12")),
    ("10.0.78.9", "infra", "c", "i-07e2b9d4f1a36c580", at("2026-10-13T10:21:18")),
    ("10.0.12.201", "apps", "a", "i-0c93a7e5d2b18f046", at("2026-10-13T10:22:41")),
    ("10.0.51.37", "apps", "b", "i-0f16d8b2a9c47e351", at("2026-10-13T10:22:44")),
    ("10.0.88.154", "apps", "c", "i-02b7e4c9f5a81d630", at("2026-10-13T10:22:50")),
    ("10.0.21.76", "database", "a", "i-09d5c1a8e3f72b464", at("2026-10-13T10:23:33")),
    ("10.0.60.218", "database", "b", "i-0e48a2f7c6b93d125", at("2026-10-13T10:23:39")),
]


class Node:
    def __init__(self, ip, pool, zone, instance_id, joined):
        self.ip = ip
        self.pool = pool
        self.zone = zone
        self.instance_id = instance_id
        self.joined = joined
        self.name = f"ip-{ip.replace('.', '-')}.{REGION}.compute.internal"
        self.pods: list[dict] = []
        self.used_ips = {ip}
        self.tainted = pool == "database"

    def alloc_ip(self, key: str) -> str:
        lo, hi = SUBNETS[self.zone]
        for attempt in range(100):
            ip = f"10.0.{num(lo, hi, 'ip', key, attempt)}.{num(4, 250, 'ip4', key, attempt)}"
            if ip not in ALL_IPS:
                ALL_IPS.add(ip)
                return ip
        raise RuntimeError("no free IP")


ALL_IPS: set[str] = {spec[0] for spec in NODE_SPECS}
NODES = [Node(*spec) for spec in NODE_SPECS]
BY_POOL = {p: [n for n in NODES if n.pool == p] for p in POOLS}
I1, I2, I3 = BY_POOL["infra"]
A1, A2, A3 = BY_POOL["apps"]
D1, D2 = BY_POOL["database"]
DB_TAINT = {"key": "workload-type", "value": "database", "effect": "NoSchedule"}


def node_object(n: Node) -> dict:
    p = POOLS[n.pool]
    zone = ZONES[n.zone]
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": p["instance"],
        "beta.kubernetes.io/os": "linux",
        "eks.amazonaws.com/capacityType": "ON_DEMAND",
        "eks.amazonaws.com/nodegroup": n.pool,
        "eks.amazonaws.com/nodegroup-image": AMI,
        "eks.amazonaws.com/sourceLaunchTemplateId": p["lt"],
        "eks.amazonaws.com/sourceLaunchTemplateVersion": "1",
        "failure-domain.beta.kubernetes.io/region": REGION,
        "failure-domain.beta.kubernetes.io/zone": zone,
        "k8s.io/cloud-provider-aws": hexid(32, "cloud-provider-aws", CLUSTER),
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": n.name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": p["instance"],
        "topology.ebs.csi.aws.com/zone": zone,
        "topology.k8s.aws/zone-id": ZONE_IDS[n.zone],
        "topology.kubernetes.io/region": REGION,
        "topology.kubernetes.io/zone": zone,
        "workload-type": n.pool,
    }
    annotations = {
        "alpha.kubernetes.io/provided-node-ip": n.ip,
        "csi.volume.kubernetes.io/nodeid": json.dumps({"ebs.csi.aws.com": n.instance_id},
                                                      separators=(",", ":")),
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
    }
    obj = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": meta("Node", n.name, created=n.joined, labels=labels, annotations=annotations),
        "spec": {"providerID": f"aws:///{zone}/{n.instance_id}"},
    }
    if n.tainted:
        obj["spec"]["taints"] = [dict(DB_TAINT)]
    heartbeat = ago(seconds=num(3, 40, "heartbeat", n.name))
    since = n.joined + dt.timedelta(seconds=2)

    def cond(type_, status, reason, message, transition):
        return {"type": type_, "status": status, "reason": reason, "message": message,
                "lastHeartbeatTime": iso(heartbeat), "lastTransitionTime": iso(transition)}

    obj["status"] = {
        "addresses": [
            {"type": "InternalIP", "address": n.ip},
            {"type": "InternalDNS", "address": n.name},
            {"type": "Hostname", "address": n.name},
        ],
        "capacity": {"cpu": p["cpu"], "ephemeral-storage": p["disk"], "hugepages-1Gi": "0",
                     "hugepages-2Mi": "0", "memory": p["mem"], "pods": p["pods"]},
        "allocatable": {"cpu": p["alloc_cpu"], "ephemeral-storage": p["alloc_disk"],
                        "hugepages-1Gi": "0", "hugepages-2Mi": "0", "memory": p["alloc_mem"],
                        "pods": p["pods"]},
        "conditions": [
            cond("MemoryPressure", "False", "KubeletHasSufficientMemory",
                 "kubelet has sufficient memory available", since),
            cond("DiskPressure", "False", "KubeletHasNoDiskPressure",
                 "kubelet has no disk pressure", since),
            cond("PIDPressure", "False", "KubeletHasSufficientPID",
                 "kubelet has sufficient PID available", since),
            cond("Ready", "True", "KubeletReady", "kubelet is posting ready status",
                 n.joined + dt.timedelta(seconds=num(14, 31, "ready", n.name))),
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {
            "architecture": "amd64",
            "bootID": make_uid("boot", n.name),
            "containerRuntimeVersion": CONTAINERD,
            "kernelVersion": KERNEL,
            "kubeProxyVersion": KUBELET_VERSION,
            "kubeletVersion": KUBELET_VERSION,
            "machineID": hexid(32, "machine", n.name),
            "operatingSystem": "linux",
            "osImage": OS_IMAGE,
            "systemUUID": "ec2" + make_uid("system", n.name)[3:],
        },
    }
    # Images present on the node: those of its pods (the kubelet lists the largest first).
    images = {}
    for pod in n.pods:
        for c in pod["spec"].get("initContainers", []) + pod["spec"]["containers"]:
            images[c["image"]] = image_size(c["image"])
    obj["status"]["images"] = [
        {"names": [image_id(img), image_ref(img)], "sizeBytes": size}
        for img, size in sorted(images.items(), key=lambda kv: -kv[1])[:6]
    ]
    volumes = [pvc_volume_name(v) for v in ATTACHED.get(n.name, [])]
    if volumes:
        obj["status"]["volumesAttached"] = [{"devicePath": "", "name": v} for v in volumes]
        obj["status"]["volumesInUse"] = volumes
    return obj


ATTACHED: dict[str, list] = {}  # node name -> PV volume handles


def pvc_volume_name(handle: str) -> str:
    return f"kubernetes.io/csi/ebs.csi.aws.com^{handle}"


# --------------------------------------------------------------------------------------
# Containers, pods and workloads
# --------------------------------------------------------------------------------------


def container(name, image, *, ports=(), req=None, lim=None, args=None, command=None, env=None,
              readiness=None, liveness=None, startup=None, mounts=None, security=None) -> dict:
    c: dict = {"name": name, "image": image, "imagePullPolicy": "IfNotPresent"}
    if command:
        c["command"] = list(command)
    if args:
        c["args"] = list(args)
    if env:
        c["env"] = [dict(e) for e in env]
    if ports:
        c["ports"] = [{"name": pn, "containerPort": pp, "protocol": proto}
                      for pn, pp, proto in (p if len(p) == 3 else (*p, "TCP") for p in ports)]
    res: dict = {}
    if lim:
        res["limits"] = dict(lim)
    if req:
        res["requests"] = dict(req)
    c["resources"] = res
    if readiness:
        c["readinessProbe"] = readiness
    if liveness:
        c["livenessProbe"] = liveness
    if startup:
        c["startupProbe"] = startup
    if security:
        c["securityContext"] = security
    if mounts:
        c["volumeMounts"] = [{"name": mn, "mountPath": mp} for mn, mp in mounts]
    c["terminationMessagePath"] = "/dev/termination-log"
    c["terminationMessagePolicy"] = "File"
    return c


def http_probe(path, port, *, scheme="HTTP", initial=10, period=10, timeout=1, failure=3):
    return {"httpGet": {"path": path, "port": port, "scheme": scheme},
            "initialDelaySeconds": initial, "periodSeconds": period, "timeoutSeconds": timeout,
            "successThreshold": 1, "failureThreshold": failure}


def tcp_probe(port, *, initial=10, period=10, timeout=1, failure=3):
    return {"tcpSocket": {"port": port}, "initialDelaySeconds": initial, "periodSeconds": period,
            "timeoutSeconds": timeout, "successThreshold": 1, "failureThreshold": failure}


RESTRICTED = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
              "readOnlyRootFilesystem": True, "runAsNonRoot": True,
              "seccompProfile": {"type": "RuntimeDefault"}}

INFRA_SELECTOR = {"workload-type": "infra"}
APPS_SELECTOR = {"workload-type": "apps"}
DB_SELECTOR = {"workload-type": "database"}
DB_TOLERATION = {"key": "workload-type", "operator": "Equal", "value": "database",
                 "effect": "NoSchedule"}
DEFAULT_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
     "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
     "tolerationSeconds": 300},
]
DAEMONSET_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]
PRIORITY = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}


def pod_spec(containers, *, sa, init=None, node_selector=None, tolerations=None, affinity=None,
             spread=None, host_network=False, host_pid=False, priority_class=None, volumes=None,
             grace=30, security=None, hostname=None, subdomain=None, dns_policy="ClusterFirst") -> dict:
    s: dict = {}
    if affinity:
        s["affinity"] = affinity
    s["containers"] = containers
    s["dnsPolicy"] = dns_policy
    if host_network:
        s["hostNetwork"] = True
        for c in containers + (init or []):
            for p in c.get("ports", []):
                p["hostPort"] = p["containerPort"]
    if host_pid:
        s["hostPID"] = True
    if hostname:
        s["hostname"] = hostname
    if init:
        s["initContainers"] = init
    if node_selector:
        s["nodeSelector"] = dict(node_selector)
    if priority_class:
        s["priorityClassName"] = priority_class
    s["restartPolicy"] = "Always"
    s["schedulerName"] = "default-scheduler"
    s["securityContext"] = security or {}
    s["serviceAccountName"] = sa
    if subdomain:
        s["subdomain"] = subdomain
    s["terminationGracePeriodSeconds"] = grace
    if tolerations:
        s["tolerations"] = [dict(t) for t in tolerations]
    if spread:
        s["topologySpreadConstraints"] = spread
    if volumes:
        s["volumes"] = volumes
    return s


def template(labels, spec, annotations=None) -> dict:
    m: dict = {"labels": dict(labels)}
    if annotations:
        m["annotations"] = dict(annotations)
    return {"metadata": m, "spec": spec}


def template_hash(tpl: dict, salt="") -> str:
    return kname(10, "pod-template-hash", json.dumps(tpl, sort_keys=True), salt).lstrip("0")[:10]


def qos_class(spec: dict) -> str:
    cs = spec["containers"] + spec.get("initContainers", [])
    if all(not c["resources"] for c in cs):
        return "BestEffort"
    for c in cs:
        req = c["resources"].get("requests", {})
        lim = c["resources"].get("limits", {})
        for r in ("cpu", "memory"):
            if r not in lim or req.get(r, lim[r]) != lim[r]:
                return "Burstable"
    return "Guaranteed"


class Life:
    """How a pod got where it is: start time and per-container restart history."""

    def __init__(self, start, *, ready_after=8.0, restarts=None, pulled=None):
        self.start = start
        self.ready_after = ready_after
        self.restarts = restarts or {}  # container -> (count, lastState.terminated dict, running since)
        self.pulled = pulled


def terminated(reason, exit_code, started, finished, cid) -> dict:
    return {"terminated": {"containerID": cid, "exitCode": exit_code, "reason": reason,
                           "startedAt": iso(started), "finishedAt": iso(finished)}}


def container_id(pod_name, cname, generation=0) -> str:
    return "containerd://" + hexid(64, "cid", pod_name, cname, generation)


def make_pod(ns, name, node: Node, tpl: dict, life: Life, *, owner: dict, generate_name=None,
             extra_labels=None, annotations=None) -> dict:
    spec = copy.deepcopy(tpl["spec"])
    labels = dict(tpl["metadata"]["labels"])
    labels.update(extra_labels or {})
    ann = dict(tpl["metadata"].get("annotations", {}))
    ann.update(annotations or {})
    is_ds = owner["kind"] == "DaemonSet"
    if is_ds:
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchFields": [
                {"key": "metadata.name", "operator": "In", "values": [node.name]}]}]}}}
        tols = spec.get("tolerations", []) + copy.deepcopy(DAEMONSET_TOLERATIONS)
        if spec.get("hostNetwork"):
            tols.append({"key": "node.kubernetes.io/network-unavailable", "operator": "Exists",
                         "effect": "NoSchedule"})
        spec["tolerations"] = tols
    else:
        spec["tolerations"] = spec.get("tolerations", []) + copy.deepcopy(DEFAULT_TOLERATIONS)
    spec["nodeName"] = node.name
    spec["enableServiceLinks"] = True
    spec["preemptionPolicy"] = "PreemptLowerPriority"
    spec["priority"] = PRIORITY.get(spec.get("priorityClassName"), 0)
    spec["serviceAccount"] = spec["serviceAccountName"]
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta("Pod", name, ns, created=life.start, labels=labels, annotations=ann or None,
                         owner=owner, generate_name=generate_name),
        "spec": spec,
    }
    ip = node.ip if spec.get("hostNetwork") else node.alloc_ip(f"{ns}/{name}")
    obj["status"] = pod_status(obj, node, ip, life)
    node.pods.append(obj)
    return obj


def pod_status(pod: dict, node: Node, ip: str, life: Life, *, ready_override=None) -> dict:
    spec = pod["spec"]
    name = pod["metadata"]["name"]
    start = life.start
    t = start + dt.timedelta(seconds=1)
    init_statuses = []
    for c in spec.get("initContainers", []):
        began = t + dt.timedelta(seconds=1)
        done = began + dt.timedelta(seconds=num(1, 4, "init", name, c["name"]))
        init_statuses.append({
            "containerID": container_id(name, c["name"]),
            "image": image_ref(c["image"]), "imageID": image_id(c["image"]),
            "lastState": {}, "name": c["name"], "ready": True, "restartCount": 0,
            "started": False,
            "state": terminated("Completed", 0, began, done, container_id(name, c["name"]))})
        t = done
    initialized = t
    statuses = []
    latest_start = t
    for c in spec["containers"]:
        count, last, since = life.restarts.get(c["name"], (0, None, None))
        started = since or t + dt.timedelta(seconds=1)
        latest_start = max(latest_start, started)
        statuses.append({
            "containerID": container_id(name, c["name"], count),
            "image": image_ref(c["image"]), "imageID": image_id(c["image"]),
            "lastState": last or {}, "name": c["name"], "ready": True, "restartCount": count,
            "started": True, "state": {"running": {"startedAt": iso(started)}}})
    statuses.sort(key=lambda s: s["name"])
    ready_at = latest_start + dt.timedelta(seconds=life.ready_after)

    def cond(type_, when, status="True"):
        return {"type": type_, "status": status, "lastProbeTime": None,
                "lastTransitionTime": iso(when)}

    st = {
        "conditions": [
            cond("PodReadyToStartContainers", start + dt.timedelta(seconds=1)),
            cond("Initialized", initialized),
            cond("Ready", ready_at),
            cond("ContainersReady", ready_at),
            cond("PodScheduled", start),
        ],
        "containerStatuses": statuses,
        "hostIP": node.ip,
        "hostIPs": [{"ip": node.ip}],
    }
    if init_statuses:
        st["initContainerStatuses"] = init_statuses
    st.update({"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
               "qosClass": qos_class(spec), "startTime": iso(start)})
    return st


def selector_of(labels: dict, keys) -> dict:
    return {k: labels[k] for k in keys}


def deployment(objs, ns, name, *, replicas, labels, selector_keys, spec, nodes, created,
               app=None, release=None, revision=1, old_revisions=(), lives=None, strategy=None,
               tpl_annotations=None, dep_labels=None, pod_created=None, pdb=None):
    """A Deployment with its current (and old) ReplicaSets and the current pods."""
    selector = selector_of(labels, selector_keys)
    tpl = template(labels, spec, tpl_annotations)
    dep_ann = {"deployment.kubernetes.io/revision": str(revision)}
    if release:
        dep_ann.update(helm_annotations(release, ns))
    dep = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta("Deployment", name, ns, created=created, labels=dep_labels or labels,
                         annotations=dep_ann, generation=revision),
        "spec": {
            "progressDeadlineSeconds": 600,
            "replicas": replicas,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": selector},
            "strategy": strategy or {"type": "RollingUpdate",
                                     "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": tpl,
        },
    }
    manage(app, dep)
    add(objs, dep)
    copied_ann = {k: v for k, v in dep["metadata"]["annotations"].items()
                  if not k.startswith("deployment.kubernetes.io/")}
    surge = dep["spec"]["strategy"].get("rollingUpdate", {}).get("maxSurge", 0)
    max_replicas = replicas + (surge if isinstance(surge, int) else -(-replicas * int(surge[:-1]) // 100))
    rs_list = []
    for rev, old_tpl_change, old_created in list(old_revisions) + [(revision, None, None)]:
        if old_tpl_change is None:
            rs_tpl = copy.deepcopy(tpl)
            rs_created = pod_created or created
        else:
            rs_tpl = old_tpl_change(copy.deepcopy(tpl))
            rs_created = old_created
        h = template_hash(rs_tpl, f"{ns}/{name}")
        rs_tpl["metadata"]["labels"]["pod-template-hash"] = h
        current = rev == revision
        n = replicas if current else 0
        rs_ann = {"deployment.kubernetes.io/desired-replicas": str(replicas),
                  "deployment.kubernetes.io/max-replicas": str(max_replicas),
                  "deployment.kubernetes.io/revision": str(rev)}
        rs_ann.update(copied_ann)
        rs_labels = dict(rs_tpl["metadata"]["labels"])
        rs = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": meta("ReplicaSet", f"{name}-{h}", ns, created=rs_created, labels=rs_labels,
                             annotations=rs_ann, owner=dep, generation=2 if not current else 1),
            "spec": {"replicas": n,
                     "selector": {"matchLabels": dict(selector, **{"pod-template-hash": h})},
                     "template": rs_tpl},
            "status": ({"availableReplicas": n, "fullyLabeledReplicas": n, "observedGeneration": 1,
                        "readyReplicas": n, "replicas": n} if current
                       else {"observedGeneration": 2, "replicas": 0}),
        }
        add(objs, rs)
        rs_list.append(rs)
    rs = rs_list[-1]
    h = rs["metadata"]["labels"]["pod-template-hash"]
    pods = []
    for i, node in enumerate(nodes):
        life = (lives or {}).get(i) or Life((pod_created or created) + dt.timedelta(seconds=2 + i))
        pname = f"{name}-{h}-{kname(5, ns, name, h, i)}"
        pods.append(add(objs, make_pod(ns, pname, node, rs["spec"]["template"], life, owner=rs,
                                       generate_name=f"{name}-{h}-")))
    progressed = max(p["status"]["conditions"][2]["lastTransitionTime"] for p in pods)
    first_ready = min(p["status"]["conditions"][2]["lastTransitionTime"] for p in pods)
    dep["status"] = {
        "availableReplicas": replicas,
        "conditions": [
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
             "message": "Deployment has minimum availability.", "lastUpdateTime": first_ready,
             "lastTransitionTime": first_ready},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
             "message": f'ReplicaSet "{rs["metadata"]["name"]}" has successfully progressed.',
             "lastUpdateTime": progressed, "lastTransitionTime": iso(created + dt.timedelta(seconds=1))},
        ],
        "observedGeneration": revision,
        "readyReplicas": replicas,
        "replicas": replicas,
        "updatedReplicas": replicas,
    }
    if pdb:
        add(objs, manage(app, pod_disruption_budget(ns, pdb["name"], selector, pods, created,
                                                    min_available=pdb.get("minAvailable"),
                                                    max_unavailable=pdb.get("maxUnavailable"),
                                                    labels=labels, release=release)))
    return dep, rs_list, pods


def statefulset(objs, ns, name, *, replicas, labels, selector_keys, spec, nodes, created,
                service_name, app=None, release=None, owner=None, lives=None, claims=None,
                pod_created=None, sts_labels=None, annotations=None, generation=1,
                pod_management="OrderedReady"):
    selector = selector_of(labels, selector_keys)
    tpl = template(labels, spec)
    ann = dict(annotations or {})
    if release:
        ann.update(helm_annotations(release, ns))
    sts = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": meta("StatefulSet", name, ns, created=created, labels=sts_labels or labels,
                         annotations=ann or None, owner=owner, generation=generation),
        "spec": {
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
            "podManagementPolicy": pod_management,
            "replicas": replicas,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": selector},
            "serviceName": service_name,
            "template": tpl,
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        },
    }
    if claims:
        sts["spec"]["volumeClaimTemplates"] = claims
    manage(app, sts)
    add(objs, sts)
    rev = f"{name}-{template_hash(tpl, ns)[:9]}"
    pods = []
    for i, node in enumerate(nodes):
        life = (lives or {}).get(i) or Life((pod_created or created) + dt.timedelta(seconds=3 + 40 * i))
        extra = {"apps.kubernetes.io/pod-index": str(i), "controller-revision-hash": rev,
                 "statefulset.kubernetes.io/pod-name": f"{name}-{i}"}
        t = copy.deepcopy(tpl)
        t["spec"]["hostname"] = f"{name}-{i}"
        t["spec"]["subdomain"] = service_name
        if claims:
            vols = t["spec"].setdefault("volumes", [])
            for cl in claims:
                vols.insert(0, {"name": cl["metadata"]["name"], "persistentVolumeClaim": {
                    "claimName": f"{cl['metadata']['name']}-{name}-{i}"}})
        pods.append(add(objs, make_pod(ns, f"{name}-{i}", node, t, life, owner=sts,
                                       extra_labels=extra)))
    sts["status"] = {
        "availableReplicas": replicas, "collisionCount": 0, "currentReplicas": replicas,
        "currentRevision": rev, "observedGeneration": generation, "readyReplicas": replicas,
        "replicas": replicas, "updateRevision": rev, "updatedReplicas": replicas,
    }
    return sts, pods


def daemonset(objs, ns, name, *, labels, selector_keys, spec, created, app=None, release=None,
              nodes=None, generation=1, ds_labels=None, annotations=None):
    selector = selector_of(labels, selector_keys)
    tpl = template(labels, spec)
    ann = {"deprecated.daemonset.template.generation": str(generation)}
    ann.update(annotations or {})
    if release:
        ann.update(helm_annotations(release, ns))
    ds = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": meta("DaemonSet", name, ns, created=created, labels=ds_labels or labels,
                         annotations=ann, generation=generation),
        "spec": {
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": selector},
            "template": tpl,
            "updateStrategy": {"type": "RollingUpdate",
                               "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}},
        },
    }
    manage(app, ds)
    add(objs, ds)
    h = template_hash(tpl, ns)[:9]
    targets = nodes if nodes is not None else [n for n in NODES if tolerates(spec, n)]
    for node in targets:
        start = max(created, node.joined) + dt.timedelta(seconds=num(3, 40, "ds", name, node.name))
        pname = f"{name}-{kname(5, ns, name, node.name)}"
        add(objs, make_pod(ns, pname, node, tpl, Life(start, ready_after=3), owner=ds,
                           generate_name=f"{name}-",
                           extra_labels={"controller-revision-hash": h,
                                         "pod-template-generation": str(generation)}))
    n = len(targets)
    ds["status"] = {
        "currentNumberScheduled": n, "desiredNumberScheduled": n, "numberAvailable": n,
        "numberMisscheduled": 0, "numberReady": n, "observedGeneration": generation,
        "updatedNumberScheduled": n,
    }
    return ds


def tolerates(spec: dict, node: Node) -> bool:
    if not node.tainted:
        return True
    for t in spec.get("tolerations", []):
        if t.get("operator") == "Exists" and not t.get("key") and t.get("effect") in (None, "NoSchedule"):
            return True
        if t.get("key") == DB_TAINT["key"] and t.get("effect") in (None, "NoSchedule") and (
                t.get("operator") == "Exists" or t.get("value") == DB_TAINT["value"]):
            return True
    return False


def service(objs, ns, name, *, ports, selector, created, app=None, release=None, labels=None,
            type_="ClusterIP", headless=False, cluster_ip=None, annotations=None, owner=None,
            lb_hostname=None, publish_not_ready=False):
    ann = dict(annotations or {})
    if release:
        ann.update(helm_annotations(release, ns))
    spec: dict = {}
    if headless:
        ip = "None"
    else:
        ip = cluster_ip or svc_ip(ns, name)
    spec["clusterIP"] = ip
    spec["clusterIPs"] = [ip]
    if type_ == "LoadBalancer":
        spec["allocateLoadBalancerNodePorts"] = True
        spec["externalTrafficPolicy"] = "Cluster"
    spec["internalTrafficPolicy"] = "Cluster"
    spec["ipFamilies"] = ["IPv4"]
    spec["ipFamilyPolicy"] = "SingleStack"
    sp = []
    for p in ports:
        pname, port, target = p[0], p[1], p[2]
        proto = p[3] if len(p) > 3 else "TCP"
        d = {"name": pname, "port": port, "protocol": proto, "targetPort": target}
        if type_ == "LoadBalancer":
            d["nodePort"] = num(30000, 32767, "nodeport", ns, name, pname)
        sp.append(d)
    spec["ports"] = sp
    if publish_not_ready:
        spec["publishNotReadyAddresses"] = True
    if selector:
        spec["selector"] = dict(selector)
    spec["sessionAffinity"] = "None"
    spec["type"] = type_
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta("Service", name, ns, created=created, labels=labels,
                         annotations=ann or None, owner=owner),
        "spec": spec,
        "status": {"loadBalancer": {"ingress": [{"hostname": lb_hostname}]} if lb_hostname else {}},
    }
    manage(app, svc)
    return add(objs, svc)


def svc_ip(ns, name) -> str:
    return f"172.20.{num(1, 254, 'svc', ns, name)}.{num(2, 254, 'svc4', ns, name)}"


def pod_disruption_budget(ns, name, selector, pods, created, *, min_available=None,
                          max_unavailable=None, labels=None, release=None, owner=None):
    spec: dict = {}
    if max_unavailable is not None:
        spec["maxUnavailable"] = max_unavailable
    if min_available is not None:
        spec["minAvailable"] = min_available
    spec["selector"] = {"matchLabels": dict(selector)}
    expected = len(pods)
    desired = min_available if min_available is not None else expected - max_unavailable
    obj = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": meta("PodDisruptionBudget", name, ns, created=created, labels=labels,
                         annotations=helm_annotations(release, ns) if release else None,
                         owner=owner, generation=1),
        "spec": spec,
        "status": pdb_status(expected, expected, desired, created),
    }
    return obj


def pdb_status(expected, healthy, desired, since) -> dict:
    allowed = max(0, healthy - desired)
    return {
        "conditions": [{
            "type": "DisruptionAllowed",
            "status": "True" if allowed else "False",
            "reason": "SufficientPods" if allowed else "InsufficientPods",
            "message": "",
            "observedGeneration": 1,
            "lastTransitionTime": iso(since),
        }],
        "currentHealthy": healthy, "desiredHealthy": desired, "disruptionsAllowed": allowed,
        "expectedPods": expected, "observedGeneration": 1,
    }


def config_map(objs, ns, name, data, *, created, labels=None, annotations=None, app=None):
    obj = {"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": meta("ConfigMap", name, ns, created=created, labels=labels,
                            annotations=annotations),
           "data": data}
    manage(app, obj)
    return add(objs, obj)


def secret(objs, ns, name, data: dict, *, created, type_="Opaque", labels=None, annotations=None,
           owner=None):
    obj = {"apiVersion": "v1", "kind": "Secret",
           "metadata": meta("Secret", name, ns, created=created, labels=labels,
                            annotations=annotations, owner=owner),
           "type": type_,
           "data": {k: b64(v) for k, v in data.items()}}
    return add(objs, obj)


# --------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------


def ref_of(obj: dict, field_path=None) -> dict:
    m = obj["metadata"]
    r = {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": m["name"]}
    if m.get("namespace"):
        r["namespace"] = m["namespace"]
    r["resourceVersion"] = m["resourceVersion"]
    r["uid"] = m["uid"]
    if field_path:
        r["fieldPath"] = field_path
    return r


def event(obj: dict, reason, message, *, first, last=None, count=1, type_="Normal",
          component, host=None, field_path=None) -> dict:
    last = last or first
    m = obj["metadata"]
    ns = m.get("namespace") or "default"
    nanos = int(first.timestamp()) * 1_000_000_000 + num(0, 999_999_999, "evt", m["name"], reason,
                                                         iso(first), message)
    name = f"{m['name']}.{nanos:x}"
    src = {"component": component}
    if host:
        src["host"] = host
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": ns, "uid": make_uid("Event", ns, name),
                     "resourceVersion": next_rv(), "creationTimestamp": iso(first)},
        "involvedObject": ref_of(obj, field_path),
        "reason": reason,
        "message": message,
        "type": type_,
        "count": count,
        "firstTimestamp": iso(first),
        "lastTimestamp": iso(last),
        "eventTime": None,
        "source": src,
        "reportingComponent": component,
        "reportingInstance": host or "",
    }


def kubelet_event(pod, reason, message, *, first, container=None, **kw):
    node = pod["spec"]["nodeName"]
    fp = f"spec.containers{{{container}}}" if container else None
    return event(pod, reason, message, first=first, component="kubelet", host=node,
                 field_path=fp, **kw)


def pod_start_events(pod, start, *, pulled_fresh=True) -> list:
    """Scheduled, Pulling/Pulled, Created, Started events of a pod created at `start`."""
    name = pod["metadata"]["name"]
    ns = pod["metadata"]["namespace"]
    out = [event(pod, "Scheduled",
                 f"Successfully assigned {ns}/{name} to {pod['spec']['nodeName']}",
                 first=start, component="default-scheduler")]
    t = start + dt.timedelta(seconds=1)
    for c in pod["spec"]["containers"]:
        img = c["image"]
        if pulled_fresh:
            secs = num(1200, 4200, "pull", name, c["name"]) / 1000
            out.append(kubelet_event(pod, "Pulling", f'Pulling image "{img}"', first=t,
                                     container=c["name"]))
            t += dt.timedelta(seconds=secs)
            out.append(kubelet_event(
                pod, "Pulled",
                f'Successfully pulled image "{img}" in {secs:.3f}s ({secs:.3f}s including '
                f"waiting). Image size: {image_size(img)} bytes.", first=t, container=c["name"]))
        else:
            out.append(kubelet_event(pod, "Pulled",
                                     f'Container image "{img}" already present on machine',
                                     first=t, container=c["name"]))
        out.append(kubelet_event(pod, "Created", f"Created container {c['name']}", first=t,
                                 container=c["name"]))
        out.append(kubelet_event(pod, "Started", f"Started container {c['name']}", first=t,
                                 container=c["name"]))
    return out


def argo_event(app_obj, reason, message, when):
    return event(app_obj, reason, message, first=when, component="argocd-application-controller")


# --------------------------------------------------------------------------------------
# YAML emitter (block style, deterministic; strings quoted unless plainly safe)
# --------------------------------------------------------------------------------------

RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~", ""}
PLAIN = re.compile(r"[A-Za-z/][A-Za-z0-9_./()'@+=-]*( [A-Za-z0-9_./()'@+=-]+)*")


def scalar(v) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    s = str(v)
    if PLAIN.fullmatch(s) and s.lower() not in RESERVED:
        return s
    return json.dumps(s, ensure_ascii=False)


def literal_ok(s: str) -> bool:
    if "\n" not in s.rstrip("\n") or s.endswith("\n\n") or "\t" in s or "\r" in s:
        return False
    lines = s.rstrip("\n").split("\n")
    if lines[0].startswith(" ") or lines[0] == "":
        return False
    return all(line == line.rstrip() for line in lines)


FLOW_WIDTH = 120


def flow(v) -> str | None:
    """Flow style for small flat maps and lists of scalars, None when block style is better."""
    if isinstance(v, dict) and v and all(not isinstance(x, (dict, list)) for x in v.values()):
        if any(isinstance(x, str) and "\n" in x for x in v.values()):
            return None
        return "{" + ", ".join(f"{scalar(k)}: {scalar(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list) and v and all(not isinstance(x, (dict, list)) for x in v):
        if any(isinstance(x, str) and "\n" in x for x in v):
            return None
        return "[" + ", ".join(scalar(x) for x in v) + "]"
    return None


def emit(v, indent: int, out: list) -> None:
    pad = " " * indent
    if isinstance(v, dict):
        for k, item in v.items():
            key = scalar(k)
            f = flow(item)
            if f is not None and indent + len(key) + 2 + len(f) <= FLOW_WIDTH:
                out.append(f"{pad}{key}: {f}")
            elif isinstance(item, dict) and item:
                out.append(f"{pad}{key}:")
                emit(item, indent + 2, out)
            elif isinstance(item, list) and item:
                out.append(f"{pad}{key}:")
                emit(item, indent + 2, out)
            elif isinstance(item, str) and literal_ok(item):
                out.append(f"{pad}{key}: {'|' if item.endswith(chr(10)) else '|-'}")
                out.extend(f"{pad}  {line}" if line else "" for line in item.rstrip("\n").split("\n"))
            else:
                out.append(f"{pad}{key}: {flow_empty(item)}")
    elif isinstance(v, list):
        for item in v:
            f = flow(item) if isinstance(item, dict) else None
            if f is not None and indent + 2 + len(f) <= FLOW_WIDTH:
                out.append(f"{pad}- {f}")
            elif isinstance(item, dict) and item:
                sub: list = []
                emit(item, indent + 2, sub)
                sub[0] = f"{pad}- {sub[0][indent + 2:]}"
                out.extend(sub)
            elif isinstance(item, list) and item:
                out.append(f"{pad}-")
                emit(item, indent + 2, out)
            elif isinstance(item, str) and literal_ok(item):
                out.append(f"{pad}- {'|' if item.endswith(chr(10)) else '|-'}")
                out.extend(f"{pad}  {line}" if line else "" for line in item.rstrip("\n").split("\n"))
            else:
                out.append(f"{pad}- {flow_empty(item)}")
    else:
        out.append(f"{pad}{scalar(v)}")


def flow_empty(v) -> str:
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, list):
        return "[]"
    return scalar(v)


def sort_keys(v):
    if isinstance(v, dict):
        return {k: sort_keys(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [sort_keys(x) for x in v]
    return v


# --------------------------------------------------------------------------------------
# The platform
# --------------------------------------------------------------------------------------

S_CRDS = section("CustomResourceDefinitions (registered by the sandbox before anything else)")
S_NS = section("Namespaces")
S_NODES = section("Nodes: EKS managed node groups infra (3), apps (3), database (2, tainted)")
S_STORAGE = section("Storage: default StorageClass and the EBS volumes bound to PVCs")
S_KUBE = section("default and kube-system: API service and EKS add-ons (VPC CNI, kube-proxy, CoreDNS, EBS CSI driver)")
S_ARGO = section("argo: Argo CD (installed by Terraform with Helm), the app of apps and its children")
S_MON = section("monitoring: kube-prometheus-stack (Argo CD app monitoring, sync wave -10)")
S_CERT = section("cert-manager (Argo CD app cert-manager, sync wave -5)")
S_TRAEFIK = section("traefik: ingress controller behind an NLB (Argo CD app traefik, sync wave -2)")
S_CNPG = section("cnpg-system: CloudNativePG operator (Argo CD app cnpg-operator, sync wave -1)")
S_KC = section("keycloak: Keycloak and its CloudNativePG cluster keycloak-db (Argo CD app keycloak)")
S_EVENTS = section("Events of the last hour (the API server keeps events for one hour)")

T_CLUSTER = at("2026-10-13T10:05:11")
T_ARGO_NS = at("2026-10-13T11:02:37")
T_AGE_SECRET = at("2026-10-13T11:04:02")
T_ARGO = at("2026-10-13T11:10:04")
T_ROOT = at("2026-10-13T11:13:50")
T_MON = at("2026-10-13T11:14:31")
T_CERT = at("2026-10-13T11:16:58")
T_TRAEFIK = at("2026-10-13T11:18:40")
T_CNPG = at("2026-10-13T11:19:52")
T_KC = at("2026-10-13T11:21:03")
T_KC_ROLL = at("2026-10-24T15:04:12")  # commit C synced: keycloak memory limit raised
T_SERVER_RESTART = at("2026-10-27T16:40:12")  # kubectl rollout restart argocd-server
T_KC0_OOM = at("2026-10-29T14:22:10")  # keycloak-0 OOMKilled the first time
# This morning: commit A bumps the traefik and cloudnative-pg charts; the root app syncs.
T_PUSH = at("2026-11-01T08:14:31")
T_ROOT_SYNC = at("2026-11-01T08:15:02")
T_TRAEFIK_SYNC = at("2026-11-01T08:15:04")
T_TRAEFIK_HEALTHY = at("2026-11-01T08:15:20")
T_CNPG_SYNC = at("2026-11-01T08:15:24")
T_CNPG_HEALTHY = at("2026-11-01T08:15:46")
T_ROOT_DONE = at("2026-11-01T08:15:48")
T_IM_UPGRADED = at("2026-11-01T08:16:07")  # CNPG online upgrade of the instance managers
T_REPO_OOM = at("2026-11-01T08:15:31")


# ---- CRDs ----------------------------------------------------------------------------

def crd(group, kind, plural, singular, *, version, created, scope="Namespaced", short=None,
        categories=None, columns=None, subresources=None, labels=None, annotations=None,
        app=None):
    names = {"kind": kind, "listKind": f"{kind}List", "plural": plural, "singular": singular}
    if short:
        names["shortNames"] = list(short)
    if categories:
        names["categories"] = list(categories)
    v: dict = {"name": version, "served": True, "storage": True,
               "schema": {"openAPIV3Schema": {"type": "object",
                                              "x-kubernetes-preserve-unknown-fields": True}}}
    if columns:
        v["additionalPrinterColumns"] = columns
    if subresources:
        v["subresources"] = subresources
    name = f"{plural}.{group}"
    established = created + dt.timedelta(seconds=1)
    obj = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": meta("CustomResourceDefinition", name, created=created, labels=labels,
                         annotations=annotations, generation=1),
        "spec": {"conversion": {"strategy": "None"}, "group": group, "names": names,
                 "scope": scope, "versions": [v]},
        "status": {
            "acceptedNames": dict(names),
            "conditions": [
                {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                 "message": "no conflicts found", "lastTransitionTime": iso(created)},
                {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                 "message": "the initial names have been accepted",
                 "lastTransitionTime": iso(established)},
            ],
            "storedVersions": [version],
        },
    }
    manage(app, obj)
    return add(S_CRDS, obj)


def col(name, path, type_="string", *, priority=None, description=None):
    c = {}
    if description:
        c["description"] = description
    c["jsonPath"] = path
    c["name"] = name
    if priority:
        c["priority"] = priority
    c["type"] = type_
    return c


AGE_COL = col("Age", ".metadata.creationTimestamp", "date")
CM_AGE_COL = col("Age", ".metadata.creationTimestamp", "date", description=(
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC."))


def build_crds():
    argo_labels = lambda n: {"app.kubernetes.io/name": n, "app.kubernetes.io/part-of": "argocd"}
    argo_ann = dict(helm_annotations("argocd", "argo"), **{"helm.sh/resource-policy": "keep"})
    crd("argoproj.io", "Application", "applications", "application", version="v1alpha1",
        created=T_ARGO, short=["app", "apps"], labels=argo_labels("applications.argoproj.io"),
        annotations=argo_ann, columns=[
            col("Sync Status", ".status.sync.status"),
            col("Health Status", ".status.health.status"),
            col("Revision", ".status.sync.revision", priority=10),
            col("Project", ".spec.project", priority=10),
        ])
    crd("argoproj.io", "AppProject", "appprojects", "appproject", version="v1alpha1",
        created=T_ARGO, short=["appproj", "appprojs"],
        labels=argo_labels("appprojects.argoproj.io"), annotations=argo_ann)
    crd("argoproj.io", "ApplicationSet", "applicationsets", "applicationset",
        version="v1alpha1", created=T_ARGO, short=["appset", "appsets"],
        labels=argo_labels("applicationsets.argoproj.io"), annotations=argo_ann,
        subresources={"status": {}})
    op_ann = {"controller-gen.kubebuilder.io/version": "v0.19.0",
              "operator.prometheus.io/version": "0.86.2"}
    status_cols = [
        col("Reconciled", ".status.conditions[?(@.type == 'Reconciled')].status"),
        col("Available", ".status.conditions[?(@.type == 'Available')].status"),
        AGE_COL,
        col("Paused", ".status.paused", "boolean", priority=1,
            description="Whether the resource reconciliation is paused or not"),
    ]
    crd("monitoring.coreos.com", "Alertmanager", "alertmanagers", "alertmanager", version="v1",
        created=T_MON, short=["am"], categories=["prometheus-operator"], annotations=op_ann,
        app="monitoring", columns=[
            col("Version", ".spec.version", description="The version of Alertmanager"),
            col("Replicas", ".spec.replicas", "integer",
                description="The number of desired replicas"),
            col("Ready", ".status.availableReplicas", "integer",
                description="The number of ready replicas"),
        ] + status_cols, subresources={
            "scale": {"labelSelectorPath": ".status.selector",
                      "specReplicasPath": ".spec.replicas",
                      "statusReplicasPath": ".status.replicas"},
            "status": {}})
    crd("monitoring.coreos.com", "Prometheus", "prometheuses", "prometheus", version="v1",
        created=T_MON, short=["prom"], categories=["prometheus-operator"], annotations=op_ann,
        app="monitoring", columns=[
            col("Version", ".spec.version", description="The version of Prometheus"),
            col("Desired", ".spec.replicas", "integer",
                description="The number of desired replicas"),
            col("Ready", ".status.availableReplicas", "integer",
                description="The number of ready replicas"),
        ] + status_cols, subresources={
            "scale": {"labelSelectorPath": ".status.selector", "specReplicasPath": ".spec.shards",
                      "statusReplicasPath": ".status.shards"},
            "status": {}})
    crd("monitoring.coreos.com", "ServiceMonitor", "servicemonitors", "servicemonitor",
        version="v1", created=T_MON, short=["smon"], categories=["prometheus-operator"],
        annotations=op_ann, app="monitoring", subresources={"status": {}})
    cm_labels = {"app": "cert-manager", "app.kubernetes.io/component": "crds",
                 "app.kubernetes.io/instance": "cert-manager",
                 "app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/name": "cert-manager",
                 "app.kubernetes.io/version": "v1.19.1", "helm.sh/chart": "cert-manager-v1.19.1"}
    cm_ann = {"helm.sh/resource-policy": "keep"}
    ready = '.status.conditions[?(@.type == "Ready")]'
    crd("cert-manager.io", "Certificate", "certificates", "certificate", version="v1",
        created=T_CERT, short=["cert", "certs"], categories=["cert-manager"], labels=cm_labels,
        annotations=cm_ann, app="cert-manager", subresources={"status": {}}, columns=[
            col("Ready", f"{ready}.status"),
            col("Secret", ".spec.secretName"),
            col("Issuer", ".spec.issuerRef.name", priority=1),
            col("Status", f"{ready}.message", priority=1),
            CM_AGE_COL,
        ])
    crd("cert-manager.io", "ClusterIssuer", "clusterissuers", "clusterissuer", version="v1",
        created=T_CERT, scope="Cluster", short=["ciss"], categories=["cert-manager"],
        labels=cm_labels, annotations=cm_ann, app="cert-manager", subresources={"status": {}},
        columns=[
            col("Ready", f"{ready}.status"),
            col("Status", f"{ready}.message", priority=1),
            CM_AGE_COL,
        ])
    crd("traefik.io", "IngressRoute", "ingressroutes", "ingressroute", version="v1alpha1",
        created=T_TRAEFIK, annotations={"controller-gen.kubebuilder.io/version": "v0.16.1"},
        app="traefik")
    crd("postgresql.cnpg.io", "Cluster", "clusters", "cluster", version="v1", created=T_CNPG,
        annotations={"controller-gen.kubebuilder.io/version": "v0.18.0",
                     "helm.sh/resource-policy": "keep"},
        labels={"app.kubernetes.io/managed-by": "Helm"}, app="cnpg-operator", columns=[
            AGE_COL,
            col("Instances", ".status.instances", "integer", description="Number of instances"),
            col("Ready", ".status.readyInstances", "integer",
                description="Number of ready instances"),
            col("Status", ".status.phase", description="Cluster current status"),
            col("Primary", ".status.currentPrimary", description="Primary pod"),
        ], subresources={
            "scale": {"specReplicasPath": ".spec.instances",
                      "statusReplicasPath": ".status.instances"},
            "status": {}})


# ---- Namespaces and storage ------------------------------------------------------------

NAMESPACES = [
    ("default", T_CLUSTER, None), ("kube-system", T_CLUSTER, None),
    ("kube-public", T_CLUSTER, None), ("kube-node-lease", T_CLUSTER, None),
    ("argo", T_ARGO_NS, None), ("monitoring", T_MON, "monitoring"),
    ("cert-manager", T_CERT, "cert-manager"), ("traefik", T_TRAEFIK, "traefik"),
    ("cnpg-system", T_CNPG, "cnpg-operator"), ("keycloak", T_KC, "keycloak"),
]


def build_namespaces():
    for name, created, app in NAMESPACES:
        obj = {"apiVersion": "v1", "kind": "Namespace",
               "metadata": meta("Namespace", name, created=created,
                                labels={"kubernetes.io/metadata.name": name}),
               "spec": {"finalizers": ["kubernetes"]},
               "status": {"phase": "Active"}}
        # Namespaces of the child apps come from CreateNamespace=true: not tracked by the app.
        add(S_NS, obj)


def storage_class():
    add(S_STORAGE, {
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": meta("StorageClass", "gp2", created=T_CLUSTER,
                         annotations={"storageclass.kubernetes.io/is-default-class": "true"}),
        "parameters": {"fsType": "ext4", "type": "gp2"},
        "provisioner": "kubernetes.io/aws-ebs",
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer",
    })


def volume(ns, claim, size, node: Node, created, *, labels=None, owner=None, app=None):
    """A bound PVC with its dynamically provisioned EBS PersistentVolume."""
    pv_name = f"pvc-{make_uid('PersistentVolumeClaim', ns, claim)}"
    handle = f"vol-0{hexid(16, 'ebs', ns, claim)}"
    pvc = {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": meta("PersistentVolumeClaim", claim, ns, created=created, labels=labels,
                         owner=owner, finalizers=["kubernetes.io/pvc-protection"], annotations={
                             "pv.kubernetes.io/bind-completed": "yes",
                             "pv.kubernetes.io/bound-by-controller": "yes",
                             "volume.beta.kubernetes.io/storage-provisioner": "ebs.csi.aws.com",
                             "volume.kubernetes.io/selected-node": node.name,
                             "volume.kubernetes.io/storage-provisioner": "ebs.csi.aws.com"}),
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}},
                 "storageClassName": "gp2", "volumeMode": "Filesystem", "volumeName": pv_name},
        "status": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": size},
                   "phase": "Bound"},
    }
    assert pvc["metadata"]["uid"] == pv_name[4:]
    pv = {
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": meta("PersistentVolume", pv_name, created=created + dt.timedelta(seconds=3),
                         finalizers=["external-provisioner.volume.kubernetes.io/finalizer",
                                     "kubernetes.io/pv-protection"],
                         annotations={"pv.kubernetes.io/migrated-to": "ebs.csi.aws.com",
                                      "pv.kubernetes.io/provisioned-by": "kubernetes.io/aws-ebs",
                                      "volume.kubernetes.io/provisioner-deletion-secret-name": "",
                                      "volume.kubernetes.io/provisioner-deletion-secret-namespace": ""}),
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "awsElasticBlockStore": {"fsType": "ext4", "volumeID": handle},
            "capacity": {"storage": size},
            "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": claim,
                         "namespace": ns, "resourceVersion": pvc["metadata"]["resourceVersion"],
                         "uid": pvc["metadata"]["uid"]},
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "topology.kubernetes.io/zone", "operator": "In",
                 "values": [ZONES[node.zone]]},
                {"key": "topology.kubernetes.io/region", "operator": "In", "values": [REGION]}]}]}},
            "persistentVolumeReclaimPolicy": "Delete",
            "storageClassName": "gp2",
            "volumeMode": "Filesystem",
        },
        "status": {"lastPhaseTransitionTime": iso(created + dt.timedelta(seconds=3)),
                   "phase": "Bound"},
    }
    add(S_STORAGE, pv)
    ATTACHED.setdefault(node.name, []).append(handle)
    return pvc


# ---- default and kube-system ---------------------------------------------------------------

def env(name, value=None, *, secret=None, configmap=None, field=None, optional=None):
    e: dict = {"name": name}
    if value is not None:
        e["value"] = value
    elif secret:
        ref = {"key": secret[1], "name": secret[0]}
        if optional is not None:
            ref["optional"] = optional
        e["valueFrom"] = {"secretKeyRef": ref}
    elif configmap:
        ref = {"key": configmap[1], "name": configmap[0]}
        if optional is not None:
            ref["optional"] = optional
        e["valueFrom"] = {"configMapKeyRef": ref}
    elif field:
        e["valueFrom"] = {"fieldRef": {"apiVersion": "v1", "fieldPath": field}}
    return e


def build_kube_system():
    service(S_KUBE, "default", "kubernetes", ports=[("https", 443, 443)], selector=None,
            created=T_CLUSTER, cluster_ip="172.20.0.1",
            labels={"component": "apiserver", "provider": "kubernetes"})
    ns = "kube-system"
    t_addons = at("2026-10-13T10:09:40")
    t_ebs = at("2026-10-13T10:31:26")
    exists = [{"operator": "Exists"}]
    grpc_probe = {"exec": {"command": ["/app/grpc-health-probe", "-addr=:50051",
                                       "-connect-timeout=5s", "-rpc-timeout=5s"]},
                  "initialDelaySeconds": 1, "periodSeconds": 10, "timeoutSeconds": 10,
                  "successThreshold": 1, "failureThreshold": 3}
    cni = f"{ECR}/amazon-k8s-cni:v1.19.2-eksbuild.1"
    daemonset(S_KUBE, ns, "aws-node", created=t_addons, selector_keys=["k8s-app"], labels={
        "app.kubernetes.io/instance": "aws-vpc-cni", "app.kubernetes.io/name": "aws-node",
        "k8s-app": "aws-node"}, spec=pod_spec([
            container("aws-node", cni, ports=[("metrics", 61678)], req={"cpu": "25m"},
                      env=[env("ADDITIONAL_ENI_TAGS", "{}"), env("AWS_VPC_CNI_NODE_PORT_SUPPORT", "true"),
                           env("AWS_VPC_K8S_CNI_LOGLEVEL", "DEBUG"), env("CLUSTER_NAME", CLUSTER),
                           env("ENABLE_PREFIX_DELEGATION", "false"), env("WARM_ENI_TARGET", "1"),
                           env("MY_NODE_NAME", field="spec.nodeName")],
                      readiness=grpc_probe, liveness=dict(grpc_probe, initialDelaySeconds=60),
                      security={"capabilities": {"add": ["NET_ADMIN", "NET_RAW"]}}),
            container("aws-eks-nodeagent", f"{ECR}/amazon/aws-network-policy-agent:v1.1.6-eksbuild.1",
                      req={"cpu": "25m"}, args=[
                          "--enable-ipv6=false", "--enable-network-policy=false",
                          "--enable-cloudwatch-logs=false", "--enable-policy-event-logs=false",
                          "--log-file=/var/log/aws-routed-eni/network-policy-agent.log",
                          "--metrics-bind-addr=:8162", "--health-probe-bind-addr=:8163",
                          "--conntrack-cache-cleanup-period=300"],
                      security={"capabilities": {"add": ["NET_ADMIN"]}, "privileged": True}),
        ], init=[container("aws-vpc-cni-init", f"{ECR}/amazon-k8s-cni-init:v1.19.2-eksbuild.1",
                           req={"cpu": "25m"}, env=[env("DISABLE_TCP_EARLY_DEMUX", "false"),
                                                    env("ENABLE_IPv6", "false")],
                           security={"privileged": True})],
            sa="aws-node", host_network=True, priority_class="system-node-critical",
            tolerations=exists, grace=10))
    daemonset(S_KUBE, ns, "kube-proxy", created=t_addons, selector_keys=["k8s-app"],
              labels={"k8s-app": "kube-proxy"}, ds_labels={
                  "eks.amazonaws.com/component": "kube-proxy", "k8s-app": "kube-proxy"},
              spec=pod_spec([container(
                  "kube-proxy", f"{ECR}/eks/kube-proxy:v1.31.3-minimal-eksbuild.2",
                  command=["kube-proxy", "--v=2", "--config=/var/lib/kube-proxy-config/config",
                           "--hostname-override=$(NODE_NAME)"],
                  env=[env("NODE_NAME", field="spec.nodeName")], req={"cpu": "100m"},
                  security={"privileged": True})],
                  sa="kube-proxy", host_network=True, priority_class="system-node-critical",
                  tolerations=exists))
    ebs_labels = {"app": "ebs-csi-node", "app.kubernetes.io/component": "csi-driver",
                  "app.kubernetes.io/managed-by": "EKS", "app.kubernetes.io/name": "aws-ebs-csi-driver",
                  "app.kubernetes.io/version": "1.38.1"}
    small = dict(req={"cpu": "10m", "memory": "40Mi"}, lim={"memory": "256Mi"})
    daemonset(S_KUBE, ns, "ebs-csi-node", created=t_ebs, labels=ebs_labels,
              selector_keys=["app", "app.kubernetes.io/name"], spec=pod_spec([
                  container("ebs-plugin", f"{ECR}/eks/aws-ebs-csi-driver:v1.38.1",
                            args=["node", "--endpoint=$(CSI_ENDPOINT)",
                                  "--csi-mount-point-prefix=/var/lib/kubelet/plugins/kubernetes.io/csi/ebs.csi.aws.com/",
                                  "--logging-format=text", "--v=2"],
                            env=[env("CSI_ENDPOINT", "unix:/csi/csi.sock"),
                                 env("CSI_NODE_NAME", field="spec.nodeName")],
                            ports=[("healthz", 9808)],
                            liveness=http_probe("/healthz", "healthz", timeout=3, failure=5),
                            security={"privileged": True, "readOnlyRootFilesystem": True}, **small),
                  container("node-driver-registrar",
                            f"{ECR}/eks/csi-node-driver-registrar:v2.12.0-eks-1-31-10",
                            args=["--csi-address=$(ADDRESS)",
                                  "--kubelet-registration-path=$(DRIVER_REG_SOCK_PATH)", "--v=2"],
                            security={"allowPrivilegeEscalation": False,
                                      "readOnlyRootFilesystem": True}, **small),
                  container("liveness-probe", f"{ECR}/eks/livenessprobe:v2.14.0-eks-1-31-10",
                            args=["--csi-address=/csi/csi.sock"],
                            security={"allowPrivilegeEscalation": False,
                                      "readOnlyRootFilesystem": True}, **small),
              ], sa="ebs-csi-node-sa", priority_class="system-node-critical", tolerations=exists,
                  security={"fsGroup": 0, "runAsGroup": 0, "runAsNonRoot": False, "runAsUser": 0}))
    coredns_labels = {"eks.amazonaws.com/component": "coredns", "k8s-app": "kube-dns"}
    deployment(S_KUBE, ns, "coredns", replicas=2, created=at("2026-10-13T10:07:02"),
               pod_created=at("2026-10-13T10:22:48"), nodes=[A1, A3], labels=coredns_labels,
               dep_labels=dict(coredns_labels, **{"kubernetes.io/name": "CoreDNS"}),
               selector_keys=list(coredns_labels),
               strategy={"type": "RollingUpdate",
                         "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
               pdb={"name": "coredns", "maxUnavailable": 1},
               spec=pod_spec([container(
                   "coredns", f"{ECR}/eks/coredns:v1.11.4-eksbuild.2",
                   args=["-conf", "/etc/coredns/Corefile"],
                   ports=[("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")],
                   req={"cpu": "100m", "memory": "70Mi"}, lim={"memory": "170Mi"},
                   liveness=http_probe("/health", 8080, initial=60, timeout=5, failure=5),
                   readiness=http_probe("/ready", 8181, initial=0),
                   mounts=[("config-volume", "/etc/coredns")],
                   security={"allowPrivilegeEscalation": False,
                             "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
                             "readOnlyRootFilesystem": True})],
                   sa="coredns", priority_class="system-cluster-critical", dns_policy="Default",
                   tolerations=[{"key": "node-role.kubernetes.io/control-plane",
                                 "effect": "NoSchedule"},
                                {"key": "CriticalAddonsOnly", "operator": "Exists"}],
                   affinity={"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                       "podAffinityTerm": {"labelSelector": {"matchExpressions": [{
                           "key": "k8s-app", "operator": "In", "values": ["kube-dns"]}]},
                           "topologyKey": "kubernetes.io/hostname"},
                       "weight": 100}]}},
                   volumes=[{"name": "config-volume", "configMap": {
                       "defaultMode": 420, "items": [{"key": "Corefile", "path": "Corefile"}],
                       "name": "coredns"}}], grace=30))
    service(S_KUBE, ns, "kube-dns", created=at("2026-10-13T10:07:02"), cluster_ip="172.20.0.10",
            selector={"k8s-app": "kube-dns"},
            ports=[("dns", 53, 53, "UDP"), ("dns-tcp", 53, 53, "TCP"), ("metrics", 9153, 9153)],
            labels={"eks.amazonaws.com/component": "kube-dns", "k8s-app": "kube-dns",
                    "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"},
            annotations={"prometheus.io/port": "9153", "prometheus.io/scrape": "true"})
    ebs_ctrl_labels = dict(ebs_labels, app="ebs-csi-controller")
    sidecar = lambda n, img, args: container(n, f"{ECR}/eks/{img}", args=args, security={
        "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True}, **small)
    deployment(S_KUBE, ns, "ebs-csi-controller", replicas=2, created=t_ebs, nodes=[A2, A3],
               labels=ebs_ctrl_labels, selector_keys=["app", "app.kubernetes.io/name"],
               strategy={"type": "RollingUpdate",
                         "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
               spec=pod_spec([
                   container("ebs-plugin", f"{ECR}/eks/aws-ebs-csi-driver:v1.38.1",
                             args=["controller", "--endpoint=$(CSI_ENDPOINT)", "--batching=true",
                                   "--logging-format=text", "--user-agent-extra=eks", "--v=2"],
                             env=[env("CSI_ENDPOINT", "unix:///var/lib/csi/sockets/pluginproxy/csi.sock"),
                                  env("AWS_REGION", REGION)],
                             ports=[("healthz", 9808)],
                             liveness=http_probe("/healthz", "healthz", timeout=3, failure=5),
                             readiness=http_probe("/healthz", "healthz", timeout=3, failure=5),
                             security={"allowPrivilegeEscalation": False,
                                       "readOnlyRootFilesystem": True}, **small),
                   sidecar("csi-provisioner", "csi-provisioner:v5.1.0-eks-1-31-10",
                           ["--timeout=60s", "--csi-address=$(ADDRESS)", "--v=2",
                            "--feature-gates=Topology=true", "--extra-create-metadata",
                            "--leader-election=true", "--default-fstype=ext4",
                            "--kube-api-qps=20", "--kube-api-burst=100", "--worker-threads=100"]),
                   sidecar("csi-attacher", "csi-attacher:v4.7.0-eks-1-31-10",
                           ["--timeout=60s", "--csi-address=$(ADDRESS)", "--v=2",
                            "--leader-election=true", "--kube-api-qps=20", "--kube-api-burst=100",
                            "--worker-threads=100"]),
                   sidecar("csi-resizer", "csi-resizer:v1.12.0-eks-1-31-10",
                           ["--timeout=60s", "--csi-address=$(ADDRESS)", "--v=2",
                            "--handle-volume-inuse-error=false", "--leader-election=true",
                            "--kube-api-qps=20", "--kube-api-burst=100", "--workers=100"]),
                   sidecar("liveness-probe", "livenessprobe:v2.14.0-eks-1-31-10",
                           ["--csi-address=/csi/csi.sock"]),
               ], sa="ebs-csi-controller-sa", priority_class="system-cluster-critical",
                   node_selector={"kubernetes.io/os": "linux"},
                   tolerations=[{"key": "CriticalAddonsOnly", "operator": "Exists"},
                                {"operator": "Exists", "effect": "NoExecute",
                                 "tolerationSeconds": 300}],
                   security={"fsGroup": 1000, "runAsGroup": 1000, "runAsNonRoot": True,
                             "runAsUser": 1000}))


# ---- argo --------------------------------------------------------------------------------

AGE_KEY_TXT = (
    "# created: 2026-10-13T11:03:41Z\n"
    "# public key: age1sandboxfakepublickeynotrealxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxqqqqqq\n"
    "# fake key for the sandbox: NOT a real age identity, decrypts nothing\n"
    "AGE-SECRET-KEY-1SANDBOXFAKEKEYNOTREALDONOTUSEXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n"
)

APP_HEALTH_LUA = """hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil then
  if obj.status.health ~= nil then
    hs.status = obj.status.health.status
    if obj.status.health.message ~= nil then
      hs.message = obj.status.health.message
    end
  end
end
return hs
"""

HELM_SECRETS_DOWNLOAD = """mkdir -p /custom-tools/helm-plugins
wget -qO- https://github.com/jkroepke/helm-secrets/releases/download/v4.6.10/helm-secrets.tar.gz | tar -C /custom-tools/helm-plugins -xzf-
wget -qO /custom-tools/sops https://github.com/getsops/sops/releases/download/v3.11.0/sops-v3.11.0.linux.amd64
wget -qO /custom-tools/kubectl https://dl.k8s.io/release/v1.31.4/bin/linux/amd64/kubectl
wget -qO /custom-tools/curl https://github.com/moparisthebest/static-curl/releases/download/v8.11.0/curl-amd64
chmod +x /custom-tools/*
"""


def argo_labels(component, name):
    return {"app.kubernetes.io/component": component, "app.kubernetes.io/instance": "argocd",
            "app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/name": name,
            "app.kubernetes.io/part-of": "argocd", "app.kubernetes.io/version": ARGOCD_VERSION,
            "helm.sh/chart": ARGOCD_CHART}


ARGO_SELECTOR = ["app.kubernetes.io/instance", "app.kubernetes.io/name"]
ARGO_CHECKSUMS = {"checksum/cm": hexid(64, "argocd-cm"),
                  "checksum/cmd-params": hexid(64, "argocd-cmd-params-cm")}


def build_argo():
    ns = "argo"
    rel = "argocd"
    config_map(S_ARGO, ns, "argocd-cm", {
        "admin.enabled": "true",
        "application.instanceLabelKey": "argocd.argoproj.io/instance",
        "application.resourceTrackingMethod": "annotation",
        "exec.enabled": "false",
        "helm.valuesFileSchemes": "secrets+age-import, secrets+age-import-kubernetes, secrets, https",
        "resource.customizations.health.argoproj.io_Application": APP_HEALTH_LUA,
        "server.rbac.log.enforce.enable": "false",
        "statusbadge.enabled": "false",
        "timeout.hard.reconciliation": "0s",
        "timeout.reconciliation": "180s",
        "url": f"https://argocd.{DOMAIN}",
    }, created=T_ARGO, labels=argo_labels("server", "argocd-cm"),
        annotations=helm_annotations(rel, ns))
    config_map(S_ARGO, ns, "argocd-cmd-params-cm", {
        "application.namespaces": "",
        "controller.repo.server.timeout.seconds": "180",
        "controller.resource.health.persist": "true",
        "controller.status.processors": "20",
        "controller.operation.processors": "10",
        "reposerver.parallelism.limit": "2",
        "server.insecure": "true",
        "server.basehref": "/",
    }, created=T_ARGO, labels=argo_labels("server", "argocd-cmd-params-cm"),
        annotations=helm_annotations(rel, ns))
    secret(S_ARGO, ns, "helm-secrets-private-keys", {"key.txt": AGE_KEY_TXT},
           created=T_AGE_SECRET)
    secret(S_ARGO, ns, "argocd-initial-admin-secret",
           {"password": "sandbox-not-a-real-password"}, created=T_ARGO + dt.timedelta(seconds=41))
    secret(S_ARGO, ns, "argocd-redis", {"auth": "sandbox-redis-fake-auth"},
           created=T_ARGO + dt.timedelta(seconds=9),
           labels={"app.kubernetes.io/component": "redis", "app.kubernetes.io/part-of": "argocd"})

    argo = lambda c, n, **kw: container(c, ARGOCD_IMAGE, security=RESTRICTED, **kw)
    copyutil = lambda dest: container("copyutil", ARGOCD_IMAGE,
                                      command=["/bin/cp", "-n", "/usr/local/bin/argocd", dest],
                                      security=RESTRICTED, mounts=[("var-files", "/var/run/argocd")])
    common = dict(node_selector=INFRA_SELECTOR)

    restarted = lambda tpl: (tpl["metadata"].get("annotations", {}).pop(
        "kubectl.kubernetes.io/restartedAt", None), tpl)[1]
    deployment(S_ARGO, ns, "argocd-server", replicas=2, created=T_ARGO, nodes=[I1, I2],
               labels=argo_labels("server", "argocd-server"), selector_keys=ARGO_SELECTOR,
               release=rel, revision=2, old_revisions=[(1, restarted, T_ARGO)],
               pod_created=T_SERVER_RESTART,
               tpl_annotations=dict(ARGO_CHECKSUMS, **{
                   "kubectl.kubernetes.io/restartedAt": "2026-10-27T16:40:12Z"}),
               spec=pod_spec([argo("server", "argocd-server",
                                   args=["/usr/local/bin/argocd-server", "--port=8080",
                                         "--metrics-port=8083"],
                                   env=[env("ARGOCD_SERVER_INSECURE", configmap=(
                                       "argocd-cmd-params-cm", "server.insecure"), optional=True),
                                       env("ARGOCD_SERVER_BASEHREF", configmap=(
                                           "argocd-cmd-params-cm", "server.basehref"), optional=True)],
                                   ports=[("server", 8080), ("metrics", 8083)],
                                   readiness=http_probe("/healthz", "server"),
                                   liveness=http_probe("/healthz?full=true", "server"),
                                   req={"cpu": "50m", "memory": "64Mi"}, lim={"memory": "256Mi"})],
                             sa="argocd-server", **common))
    repo_life = {0: Life(T_ARGO + dt.timedelta(seconds=5), ready_after=11, restarts={
        "repo-server": (1, terminated("OOMKilled", 137, T_ARGO + dt.timedelta(seconds=12),
                                      T_REPO_OOM, container_id("argocd-repo-server", "oom")),
                        T_REPO_OOM + dt.timedelta(seconds=1))})}
    repo_env = [
        env("ARGOCD_RECONCILIATION_TIMEOUT", configmap=("argocd-cm", "timeout.reconciliation"),
            optional=True),
        env("ARGOCD_REPO_SERVER_PARALLELISM_LIMIT",
            configmap=("argocd-cmd-params-cm", "reposerver.parallelism.limit"), optional=True),
        env("HELM_PLUGINS", "/custom-tools/helm-plugins/"),
        env("HELM_SECRETS_BACKEND", "sops"),
        env("HELM_SECRETS_CURL_PATH", "/custom-tools/curl"),
        env("HELM_SECRETS_DECRYPT_SECRETS_IN_TMP_DIR", "true"),
        env("HELM_SECRETS_HELM_PATH", "/usr/local/bin/helm"),
        env("HELM_SECRETS_KUBECTL_PATH", "/custom-tools/kubectl"),
        env("HELM_SECRETS_SOPS_PATH", "/custom-tools/sops"),
        env("HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH", "true"),
        env("HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL", "false"),
        env("HELM_SECRETS_VALUES_ALLOW_SYMLINKS", "false"),
        env("HELM_SECRETS_WRAPPER_ENABLED", "true"),
        env("SOPS_AGE_KEY_FILE", "/helm-secrets-private-keys/key.txt"),
    ]
    deployment(S_ARGO, ns, "argocd-repo-server", replicas=2, created=T_ARGO, nodes=[I2, I3],
               labels=argo_labels("repo-server", "argocd-repo-server"),
               selector_keys=ARGO_SELECTOR, release=rel, lives=repo_life,
               tpl_annotations=ARGO_CHECKSUMS,
               spec=pod_spec([argo("repo-server", "argocd-repo-server",
                                   args=["/usr/local/bin/argocd-repo-server", "--port=8081",
                                         "--metrics-port=8084"], env=repo_env,
                                   ports=[("repo-server", 8081), ("metrics", 8084)],
                                   readiness=http_probe("/healthz", "metrics"),
                                   liveness=http_probe("/healthz?full=true", "metrics"),
                                   req={"cpu": "100m", "memory": "256Mi"}, lim={"memory": "1Gi"},
                                   mounts=[("custom-tools", "/custom-tools"),
                                           ("helm-secrets-private-keys", "/helm-secrets-private-keys/"),
                                           ("var-files", "/var/run/argocd")])],
                             init=[copyutil("/var/run/argocd/argocd-cmp-server"),
                                   container("download-tools", "docker.io/alpine:3.22",
                                             command=["sh", "-ec"], args=[HELM_SECRETS_DOWNLOAD],
                                             mounts=[("custom-tools", "/custom-tools")])],
                             volumes=[{"name": "custom-tools", "emptyDir": {}},
                                      {"name": "helm-secrets-private-keys", "secret": {
                                          "defaultMode": 420,
                                          "secretName": "helm-secrets-private-keys"}},
                                      {"name": "var-files", "emptyDir": {}}],
                             sa="argocd-repo-server", **common))
    deployment(S_ARGO, ns, "argocd-redis", replicas=1, created=T_ARGO, nodes=[I3],
               labels=argo_labels("redis", "argocd-redis"), selector_keys=ARGO_SELECTOR,
               release=rel, spec=pod_spec([container(
                   "redis", "public.ecr.aws/docker/library/redis:7.2.11-alpine",
                   args=["--save", "", "--appendonly", "no", "--requirepass $(REDIS_PASSWORD)"],
                   env=[env("REDIS_PASSWORD", secret=("argocd-redis", "auth"))],
                   ports=[("redis", 6379)], req={"cpu": "100m", "memory": "64Mi"},
                   lim={"memory": "256Mi"}, security=RESTRICTED)],
                   init=[container("secret-init", ARGOCD_IMAGE,
                                   command=["argocd", "admin", "redis-initial-password"],
                                   security=RESTRICTED)],
                   sa="argocd-redis", security={"runAsNonRoot": True, "runAsUser": 999}, **common))
    deployment(S_ARGO, ns, "argocd-applicationset-controller", replicas=1, created=T_ARGO,
               nodes=[I1], labels=argo_labels("applicationset-controller",
                                              "argocd-applicationset-controller"),
               selector_keys=ARGO_SELECTOR, release=rel, tpl_annotations=ARGO_CHECKSUMS,
               spec=pod_spec([argo("applicationset-controller", "", args=[
                   "/usr/local/bin/argocd-applicationset-controller", "--metrics-addr=:8080",
                   "--probe-addr=:8081", "--webhook-addr=:7000"],
                   ports=[("metrics", 8080), ("probe", 8081), ("webhook", 7000)],
                   readiness=http_probe("/readyz", "probe"), liveness=http_probe("/healthz", "probe"),
                   req={"cpu": "25m", "memory": "64Mi"}, lim={"memory": "256Mi"})],
                   sa="argocd-applicationset-controller", **common))
    deployment(S_ARGO, ns, "argocd-notifications-controller", replicas=1, created=T_ARGO,
               nodes=[I2], labels=argo_labels("notifications-controller",
                                              "argocd-notifications-controller"),
               selector_keys=ARGO_SELECTOR, release=rel,
               strategy={"type": "Recreate"},
               spec=pod_spec([argo("notifications-controller", "", args=[
                   "/usr/local/bin/argocd-notifications", "--metrics-port=9001",
                   "--loglevel=info", "--logformat=text", "--argocd-repo-server=argocd-repo-server:8081"],
                   ports=[("metrics", 9001)], req={"cpu": "25m", "memory": "64Mi"},
                   lim={"memory": "128Mi"})], sa="argocd-notifications-controller", **common))
    deployment(S_ARGO, ns, "argocd-dex-server", replicas=1, created=T_ARGO, nodes=[I3],
               labels=argo_labels("dex-server", "argocd-dex-server"), selector_keys=ARGO_SELECTOR,
               release=rel, tpl_annotations=ARGO_CHECKSUMS,
               spec=pod_spec([container("dex-server", "ghcr.io/dexidp/dex:v2.43.1",
                                        command=["/shared/argocd-dex", "--logformat=text",
                                                 "--loglevel=info", "rundex"],
                                        ports=[("http", 5556), ("grpc", 5557), ("metrics", 5558)],
                                        readiness=http_probe("/healthz/ready", "metrics"),
                                        req={"cpu": "10m", "memory": "32Mi"},
                                        lim={"memory": "128Mi"}, security=RESTRICTED,
                                        mounts=[("static-files", "/shared")])],
                             init=[container("copyutil", ARGOCD_IMAGE, command=[
                                 "/bin/cp", "-n", "/usr/local/bin/argocd", "/shared/argocd-dex"],
                                 security=RESTRICTED, mounts=[("static-files", "/shared")])],
                             volumes=[{"name": "static-files", "emptyDir": {}}],
                             sa="argocd-dex-server", **common))
    statefulset(S_ARGO, ns, "argocd-application-controller", replicas=1, created=T_ARGO,
                nodes=[I1], service_name="argocd-application-controller", release=rel,
                labels=argo_labels("application-controller", "argocd-application-controller"),
                selector_keys=ARGO_SELECTOR, pod_created=T_ARGO + dt.timedelta(seconds=2),
                spec=pod_spec([argo("application-controller", "", args=[
                    "/usr/local/bin/argocd-application-controller", "--metrics-port=8082"],
                    env=[env("ARGOCD_CONTROLLER_REPLICAS", "1"),
                         env("ARGOCD_RECONCILIATION_TIMEOUT",
                             configmap=("argocd-cm", "timeout.reconciliation"), optional=True),
                         env("ARGOCD_CONTROLLER_RESOURCE_HEALTH_PERSIST", configmap=(
                             "argocd-cmd-params-cm", "controller.resource.health.persist"),
                             optional=True)],
                    ports=[("metrics", 8082)], readiness=http_probe("/healthz", "metrics"),
                    req={"cpu": "250m", "memory": "512Mi"}, lim={"memory": "1Gi"})],
                    sa="argocd-application-controller", **common))
    for name, ports, target in [
        ("argocd-server", [("http", 80, 8080), ("https", 443, 8080)], "argocd-server"),
        ("argocd-repo-server", [("tcp-repo-server", 8081, "repo-server")], "argocd-repo-server"),
        ("argocd-redis", [("tcp-redis", 6379, "redis")], "argocd-redis"),
        ("argocd-dex-server", [("http", 5556, "http"), ("grpc", 5557, "grpc")], "argocd-dex-server"),
        ("argocd-applicationset-controller", [("http-webhook", 7000, "webhook")],
         "argocd-applicationset-controller"),
    ]:
        comp = get("Deployment", ns, target)["metadata"]["labels"]["app.kubernetes.io/component"]
        service(S_ARGO, ns, name, ports=ports, created=T_ARGO, release=rel,
                labels=argo_labels(comp, name),
                selector={"app.kubernetes.io/instance": "argocd", "app.kubernetes.io/name": target})
    certificate(S_ARGO, ns, "argocd-server-tls", f"argocd.{DOMAIN}", T_ARGO + dt.timedelta(minutes=9),
                release=rel)
    ingress_route(S_ARGO, ns, "argocd-server", f"argocd.{DOMAIN}", "argocd-server", 80,
                  "argocd-server-tls", T_ARGO, release=rel)
    service_monitor(S_ARGO, ns, "argocd-application-controller", T_ARGO, None,
                    {"app.kubernetes.io/name": "argocd-application-controller"}, "metrics",
                    release=rel)
    add(S_ARGO, {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
        "metadata": meta("AppProject", "default", ns, created=T_ARGO + dt.timedelta(seconds=38),
                         generation=1),
        "spec": {"clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
                 "destinations": [{"namespace": "*", "server": "*"}],
                 "sourceRepos": ["*"]},
        "status": {},
    })


def certificate(objs, ns, name, dns, created, *, app=None, release=None):
    not_before = created + dt.timedelta(minutes=1)
    while not_before + dt.timedelta(days=60) < RECORDED_AT:  # renewed 30 days before expiry
        not_before += dt.timedelta(days=60)
    obj = {
        "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
        "metadata": meta("Certificate", name, ns, created=created, generation=1,
                         annotations=helm_annotations(release, ns) if release else None),
        "spec": {"dnsNames": [dns],
                 "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer",
                               "name": "letsencrypt-prod"},
                 "privateKey": {"algorithm": "ECDSA", "rotationPolicy": "Always", "size": 256},
                 "secretName": name},
        "status": {
            "conditions": [{"type": "Ready", "status": "True", "reason": "Ready",
                            "message": "Certificate is up to date and has not expired",
                            "observedGeneration": 1,
                            "lastTransitionTime": iso(not_before + dt.timedelta(seconds=30))}],
            "notAfter": iso(not_before + dt.timedelta(days=90)),
            "notBefore": iso(not_before),
            "renewalTime": iso(not_before + dt.timedelta(days=60)),
            "revision": 1,
        },
    }
    manage(app, obj)
    return add(objs, obj)


def ingress_route(objs, ns, name, host, svc, port, tls_secret, created, *, app=None, release=None):
    obj = {
        "apiVersion": "traefik.io/v1alpha1", "kind": "IngressRoute",
        "metadata": meta("IngressRoute", name, ns, created=created, generation=1,
                         annotations=helm_annotations(release, ns) if release else None),
        "spec": {"entryPoints": ["websecure"],
                 "routes": [{"kind": "Rule", "match": f"Host(`{host}`)",
                             "services": [{"name": svc, "port": port}]}],
                 "tls": {"secretName": tls_secret}},
    }
    manage(app, obj)
    return add(objs, obj)


def service_monitor(objs, ns, name, created, app, selector, port, *, release=None, labels=None,
                    namespace_selector=None, path="/metrics"):
    obj = {
        "apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
        "metadata": meta("ServiceMonitor", name, ns, created=created, generation=1,
                         labels=dict(labels or {}, release="kube-prometheus-stack"),
                         annotations=helm_annotations(release, ns) if release else None),
        "spec": {"endpoints": [{"interval": "30s", "path": path, "port": port}],
                 "namespaceSelector": {"matchNames": [namespace_selector or ns]},
                 "selector": {"matchLabels": dict(selector)}},
    }
    manage(app, obj)
    return add(objs, obj)


# ---- monitoring ------------------------------------------------------------------------------

KPS_VERSION = "79.5.0"
PROM_OPERATOR = "v0.86.2"
RELOADER_IMAGE = f"quay.io/prometheus-operator/prometheus-config-reloader:{PROM_OPERATOR}"


def kps_labels(app_label):
    return {"app": app_label, "app.kubernetes.io/instance": "kube-prometheus-stack",
            "app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/part-of": "kube-prometheus-stack",
            "app.kubernetes.io/version": KPS_VERSION, "chart": f"kube-prometheus-stack-{KPS_VERSION}",
            "heritage": "Helm", "release": "kube-prometheus-stack"}


def reloader(name, args, port_name, port):
    return container(name, RELOADER_IMAGE, command=["/bin/prometheus-config-reloader"], args=args,
                     env=[env("POD_NAME", field="metadata.name"), env("SHARD", "0")],
                     ports=[(port_name, port)], req={"cpu": "10m", "memory": "50Mi"},
                     lim={"cpu": "10m", "memory": "50Mi"}, security=RESTRICTED)


def operator_cr_status(kind, selector, created, shards=False):
    st = {
        "availableReplicas": 1,
        "conditions": [
            {"type": "Available", "status": "True", "observedGeneration": 1,
             "lastTransitionTime": iso(created + dt.timedelta(minutes=1, seconds=12))},
            {"type": "Reconciled", "status": "True", "observedGeneration": 1,
             "lastTransitionTime": iso(created + dt.timedelta(seconds=20))},
        ],
        "paused": False,
        "replicas": 1,
        "selector": ",".join(f"{k}={v}" for k, v in sorted(selector.items())),
        "unavailableReplicas": 0,
        "updatedReplicas": 1,
    }
    if shards:
        st["shardStatuses"] = [{"availableReplicas": 1, "replicas": 1, "shardID": "0",
                                "unavailableReplicas": 0, "updatedReplicas": 1}]
        st["shards"] = 1
    return st


def build_monitoring():
    ns = "monitoring"
    app = "monitoring"
    rel = "kube-prometheus-stack"
    t = T_MON
    # Prometheus (custom resource) -> StatefulSet -> pod, with its PVC.
    prom_name = "kube-prometheus-stack-prometheus"
    prom_sel = {"app.kubernetes.io/instance": prom_name,
                "app.kubernetes.io/managed-by": "prometheus-operator",
                "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": prom_name,
                "operator.prometheus.io/shard": "0", "prometheus": prom_name}
    prom = {
        "apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus",
        "metadata": meta("Prometheus", prom_name, ns, created=t + dt.timedelta(seconds=9),
                         labels=kps_labels(prom_name), annotations=helm_annotations(rel, ns),
                         generation=1),
        "spec": {
            "alerting": {"alertmanagers": [{"apiVersion": "v2", "name": "kube-prometheus-stack-alertmanager",
                                            "namespace": ns, "pathPrefix": "/", "port": "http-web"}]},
            "enableAdminAPI": False,
            "externalUrl": f"http://{prom_name}.{ns}:9090",
            "image": "quay.io/prometheus/prometheus:v3.7.3",
            "nodeSelector": dict(INFRA_SELECTOR),
            "podMonitorNamespaceSelector": {}, "podMonitorSelector": {"matchLabels": {"release": rel}},
            "portName": "http-web",
            "replicas": 1,
            "resources": {"limits": {"memory": "3Gi"}, "requests": {"cpu": "500m", "memory": "2Gi"}},
            "retention": "10d",
            "ruleNamespaceSelector": {}, "ruleSelector": {"matchLabels": {"release": rel}},
            "securityContext": {"fsGroup": 2000, "runAsGroup": 2000, "runAsNonRoot": True,
                                "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
            "serviceAccountName": prom_name,
            "serviceMonitorNamespaceSelector": {},
            "serviceMonitorSelector": {"matchLabels": {"release": rel}},
            "shards": 1,
            "storage": {"volumeClaimTemplate": {"spec": {
                "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "50Gi"}},
                "storageClassName": "gp2"}}},
            "version": "v3.7.3",
        },
    }
    prom["status"] = operator_cr_status("Prometheus", prom_sel, t, shards=True)
    add(S_MON, manage(app, prom))
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
             "metadata": {"name": f"{prom_name}-db"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "50Gi"}},
                      "storageClassName": "gp2", "volumeMode": "Filesystem"},
             "status": {"phase": "Pending"}}
    prom_sts_name = f"prometheus-{prom_name}"
    prom_start = t + dt.timedelta(seconds=31)
    statefulset(S_MON, ns, prom_sts_name, replicas=1, created=t + dt.timedelta(seconds=27),
                nodes=[I3], service_name="prometheus-operated", owner=prom, claims=[claim],
                pod_management="Parallel", pod_created=prom_start,
                labels=dict(prom_sel, **{"app.kubernetes.io/version": "3.7.3"}),
                selector_keys=list(prom_sel),
                sts_labels=dict(kps_labels(prom_name), **{
                    "operator.prometheus.io/mode": "server", "operator.prometheus.io/name": prom_name,
                    "operator.prometheus.io/shard": "0"}),
                annotations={"prometheus-operator-input-hash": str(num(10**18, 10**19 - 1, "pih"))},
                spec=pod_spec([
                    container("prometheus", "quay.io/prometheus/prometheus:v3.7.3", args=[
                        "--config.file=/etc/prometheus/config_out/prometheus.env.yaml",
                        "--web.enable-lifecycle",
                        f"--web.external-url=http://{prom_name}.{ns}:9090",
                        "--web.route-prefix=/", "--storage.tsdb.retention.time=10d",
                        "--storage.tsdb.path=/prometheus", "--storage.tsdb.wal-compression",
                        "--web.config.file=/etc/prometheus/web_config/web-config.yaml"],
                        ports=[("http-web", 9090)],
                        readiness=http_probe("/-/ready", "http-web", initial=0, period=5,
                                             timeout=3, failure=3),
                        startup=http_probe("/-/ready", "http-web", initial=0, period=15,
                                           timeout=3, failure=60),
                        req={"cpu": "500m", "memory": "2Gi"}, lim={"memory": "3Gi"},
                        security=RESTRICTED,
                        mounts=[("config-out", "/etc/prometheus/config_out"),
                                (f"{prom_name}-db", "/prometheus")]),
                    reloader("config-reloader", [
                        "--listen-address=:8080", "--reload-url=http://127.0.0.1:9090/-/reload",
                        "--config-file=/etc/prometheus/config/prometheus.yaml.gz",
                        "--config-envsubst-file=/etc/prometheus/config_out/prometheus.env.yaml",
                        f"--watched-dir=/etc/prometheus/rules/{prom_sts_name}-rulefiles-0"],
                        "reloader-web", 8080),
                ], init=[reloader("init-config-reloader", [
                    "--watch-interval=0", "--listen-address=:8081",
                    "--config-file=/etc/prometheus/config/prometheus.yaml.gz",
                    "--config-envsubst-file=/etc/prometheus/config_out/prometheus.env.yaml"],
                    "reloader-web", 8081)],
                    sa=prom_name, node_selector=INFRA_SELECTOR, grace=600,
                    volumes=[{"name": "config-out", "emptyDir": {"medium": "Memory"}}],
                    security=prom["spec"]["securityContext"]))
    pvc_name = f"{prom_name}-db-{prom_sts_name}-0"
    add(S_MON, volume(ns, pvc_name, "50Gi", I3, prom_start, labels=prom_sel))

    am_name = "kube-prometheus-stack-alertmanager"
    am_sel = {"alertmanager": am_name, "app.kubernetes.io/instance": am_name,
              "app.kubernetes.io/managed-by": "prometheus-operator",
              "app.kubernetes.io/name": "alertmanager"}
    am = {
        "apiVersion": "monitoring.coreos.com/v1", "kind": "Alertmanager",
        "metadata": meta("Alertmanager", am_name, ns, created=t + dt.timedelta(seconds=9),
                         labels=kps_labels(am_name), annotations=helm_annotations(rel, ns),
                         generation=1),
        "spec": {"externalUrl": f"http://{am_name}.{ns}:9093",
                 "image": "quay.io/prometheus/alertmanager:v0.29.0",
                 "nodeSelector": dict(INFRA_SELECTOR), "portName": "http-web", "replicas": 1,
                 "resources": {"limits": {"memory": "256Mi"},
                               "requests": {"cpu": "50m", "memory": "200Mi"}},
                 "retention": "120h", "serviceAccountName": am_name, "version": "v0.29.0"},
    }
    am["status"] = operator_cr_status("Alertmanager", am_sel, t)
    add(S_MON, manage(app, am))
    am_sts = f"alertmanager-{am_name}"
    statefulset(S_MON, ns, am_sts, replicas=1, created=t + dt.timedelta(seconds=25), nodes=[I2],
                service_name="alertmanager-operated", owner=am, pod_management="Parallel",
                labels=dict(am_sel, **{"app.kubernetes.io/version": "0.29.0"}),
                selector_keys=list(am_sel), sts_labels=kps_labels(am_name),
                annotations={"prometheus-operator-input-hash": str(num(10**18, 10**19 - 1, "aih"))},
                spec=pod_spec([
                    container("alertmanager", "quay.io/prometheus/alertmanager:v0.29.0", args=[
                        "--config.file=/etc/alertmanager/config_out/alertmanager.env.yaml",
                        "--storage.path=/alertmanager", "--data.retention=120h",
                        "--cluster.listen-address=", "--web.listen-address=:9093",
                        f"--web.external-url=http://{am_name}.{ns}:9093", "--web.route-prefix=/",
                        f"--cluster.label={ns}/{am_name}",
                        "--web.config.file=/etc/alertmanager/web_config/web-config.yaml"],
                        env=[env("POD_IP", field="status.podIP")],
                        ports=[("http-web", 9093), ("mesh-tcp", 9094), ("mesh-udp", 9094, "UDP")],
                        readiness=http_probe("/-/ready", "http-web", initial=3, period=5,
                                             timeout=3, failure=10),
                        liveness=http_probe("/-/healthy", "http-web", initial=0, period=10,
                                            timeout=3, failure=10),
                        req={"cpu": "50m", "memory": "200Mi"}, lim={"memory": "256Mi"},
                        security=RESTRICTED),
                    reloader("config-reloader", [
                        "--listen-address=:8080", "--web-config-file=/etc/alertmanager/web_config/web-config.yaml",
                        "--reload-url=http://127.0.0.1:9093/-/reload",
                        "--config-file=/etc/alertmanager/config/alertmanager.yaml.gz",
                        "--config-envsubst-file=/etc/alertmanager/config_out/alertmanager.env.yaml"],
                        "reloader-web", 8080),
                ], init=[reloader("init-config-reloader", [
                    "--watch-interval=0", "--listen-address=:8081",
                    "--config-file=/etc/alertmanager/config/alertmanager.yaml.gz",
                    "--config-envsubst-file=/etc/alertmanager/config_out/alertmanager.env.yaml"],
                    "reloader-web", 8081)],
                    sa=am_name, node_selector=INFRA_SELECTOR, grace=120,
                    security={"fsGroup": 2000, "runAsGroup": 2000, "runAsNonRoot": True,
                              "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}}))

    graf_labels = {"app.kubernetes.io/instance": rel, "app.kubernetes.io/name": "grafana",
                   "app.kubernetes.io/version": "12.2.1"}
    sc = lambda n, label, folder: container(
        n, "quay.io/kiwigrid/k8s-sidecar:1.30.10",
        env=[env("METHOD", "WATCH"), env("LABEL", label), env("LABEL_VALUE", "1"),
             env("FOLDER", folder), env("RESOURCE", "both")],
        req={"cpu": "10m", "memory": "64Mi"}, lim={"memory": "128Mi"}, security=RESTRICTED)
    deployment(S_MON, ns, "kube-prometheus-stack-grafana", replicas=1, created=t, nodes=[I1],
               app=app, release=rel, labels=graf_labels,
               selector_keys=["app.kubernetes.io/instance", "app.kubernetes.io/name"],
               dep_labels=dict(graf_labels, **{"app.kubernetes.io/managed-by": "Helm",
                                               "helm.sh/chart": "grafana-10.1.4"}),
               tpl_annotations={"checksum/config": hexid(64, "grafana-config"),
                                "checksum/sc-dashboard-provider-config": hexid(64, "grafana-scd"),
                                "checksum/secret": hexid(64, "grafana-secret")},
               strategy={"type": "RollingUpdate",
                         "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
               spec=pod_spec([
                   sc("grafana-sc-dashboard", "grafana_dashboard", "/tmp/dashboards"),
                   sc("grafana-sc-datasources", "grafana_datasource", "/etc/grafana/provisioning/datasources"),
                   container("grafana", "docker.io/grafana/grafana:12.2.1",
                             env=[env("GF_SECURITY_ADMIN_USER", secret=("kube-prometheus-stack-grafana", "admin-user")),
                                  env("GF_SECURITY_ADMIN_PASSWORD", secret=("kube-prometheus-stack-grafana", "admin-password")),
                                  env("GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET", secret=("grafana-oidc", "client-secret")),
                                  env("GF_PATHS_DATA", "/var/lib/grafana/"),
                                  env("GF_SERVER_ROOT_URL", f"https://grafana.{DOMAIN}")],
                             ports=[("grafana", 3000)],
                             readiness=http_probe("/api/health", 3000, initial=0),
                             liveness=http_probe("/api/health", 3000, initial=60, timeout=30, failure=10),
                             req={"cpu": "100m", "memory": "128Mi"}, lim={"memory": "512Mi"},
                             security=RESTRICTED),
               ], sa="kube-prometheus-stack-grafana", node_selector=INFRA_SELECTOR,
                   security={"fsGroup": 472, "runAsGroup": 472, "runAsNonRoot": True,
                             "runAsUser": 472}))
    ksm_labels = {"app.kubernetes.io/component": "metrics", "app.kubernetes.io/instance": rel,
                  "app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/name": "kube-state-metrics",
                  "app.kubernetes.io/part-of": "kube-state-metrics", "app.kubernetes.io/version": "2.17.0",
                  "helm.sh/chart": "kube-state-metrics-6.3.0", "release": rel}
    deployment(S_MON, ns, "kube-prometheus-stack-kube-state-metrics", replicas=1, created=t,
               nodes=[I2], app=app, release=rel, labels=ksm_labels,
               selector_keys=["app.kubernetes.io/instance", "app.kubernetes.io/name"],
               spec=pod_spec([container(
                   "kube-state-metrics", "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.17.0",
                   args=["--port=8080", "--resources=certificatesigningrequests,configmaps,cronjobs,daemonsets,deployments,endpoints,horizontalpodautoscalers,ingresses,jobs,leases,limitranges,mutatingwebhookconfigurations,namespaces,networkpolicies,nodes,persistentvolumeclaims,persistentvolumes,poddisruptionbudgets,pods,replicasets,replicationcontrollers,resourcequotas,secrets,services,statefulsets,storageclasses,validatingwebhookconfigurations,volumeattachments"],
                   ports=[("http", 8080)], liveness=http_probe("/livez", 8080, initial=5, timeout=5),
                   readiness=http_probe("/readyz", 8081, initial=5, timeout=5),
                   req={"cpu": "10m", "memory": "32Mi"}, lim={"memory": "128Mi"},
                   security=RESTRICTED)], sa="kube-prometheus-stack-kube-state-metrics",
                   node_selector=INFRA_SELECTOR,
                   security={"fsGroup": 65534, "runAsGroup": 65534, "runAsNonRoot": True,
                             "runAsUser": 65534, "seccompProfile": {"type": "RuntimeDefault"}}))
    op_labels = dict(kps_labels("kube-prometheus-stack-operator"), **{
        "app.kubernetes.io/component": "prometheus-operator",
        "app.kubernetes.io/name": "kube-prometheus-stack-prometheus-operator"})
    deployment(S_MON, ns, "kube-prometheus-stack-operator", replicas=1, created=t, nodes=[I1],
               app=app, release=rel, labels=op_labels, selector_keys=["app", "release"],
               spec=pod_spec([container(
                   "kube-prometheus-stack", f"quay.io/prometheus-operator/prometheus-operator:{PROM_OPERATOR}",
                   args=["--kubelet-service=kube-system/kube-prometheus-stack-kubelet",
                         "--kubelet-endpoints=true", "--kubelet-endpointslice=false",
                         "--localhost=127.0.0.1", f"--prometheus-config-reloader={RELOADER_IMAGE}",
                         "--config-reloader-cpu-request=10m", "--config-reloader-cpu-limit=10m",
                         "--config-reloader-memory-request=50Mi", "--config-reloader-memory-limit=50Mi",
                         "--thanos-default-base-image=quay.io/thanos/thanos:v0.40.1",
                         "--secret-field-selector=type!=kubernetes.io/dockercfg,type!=kubernetes.io/service-account-token,type!=helm.sh/release.v1",
                         "--web.enable-tls=true", "--web.cert-file=/cert/cert", "--web.key-file=/cert/key",
                         "--web.listen-address=:10250", "--web.tls-min-version=VersionTLS13"],
                   ports=[("https", 10250)],
                   readiness=http_probe("/healthz", "https", scheme="HTTPS", initial=0),
                   liveness=http_probe("/healthz", "https", scheme="HTTPS", initial=0),
                   req={"cpu": "100m", "memory": "128Mi"}, lim={"memory": "256Mi"},
                   security=RESTRICTED)], sa="kube-prometheus-stack-operator",
                   node_selector=INFRA_SELECTOR,
                   security={"fsGroup": 65534, "runAsGroup": 65534, "runAsNonRoot": True,
                             "runAsUser": 65534, "seccompProfile": {"type": "RuntimeDefault"}}))
    ne_labels = {"app.kubernetes.io/component": "metrics", "app.kubernetes.io/instance": rel,
                 "app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/name": "prometheus-node-exporter",
                 "app.kubernetes.io/part-of": "prometheus-node-exporter", "app.kubernetes.io/version": "1.10.2",
                 "helm.sh/chart": "prometheus-node-exporter-4.49.1", "jobLabel": "node-exporter",
                 "release": rel}
    daemonset(S_MON, ns, "kube-prometheus-stack-prometheus-node-exporter", created=t, app=app,
              release=rel, labels=ne_labels,
              selector_keys=["app.kubernetes.io/instance", "app.kubernetes.io/name"],
              annotations={}, spec=pod_spec([container(
                  "node-exporter", "quay.io/prometheus/node-exporter:v1.10.2",
                  args=["--path.procfs=/host/proc", "--path.sysfs=/host/sys", "--path.rootfs=/host/root",
                        "--path.udev.data=/host/root/run/udev/data", "--web.listen-address=[$(HOST_IP)]:9100",
                        "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|var/lib/docker/.+|var/lib/kubelet/.+)($|/)",
                        "--collector.filesystem.fs-types-exclude=^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$"],
                  env=[env("HOST_IP", "0.0.0.0")], ports=[("http-metrics", 9100)],
                  readiness=http_probe("/", "http-metrics", initial=0),
                  liveness=http_probe("/", "http-metrics", initial=0),
                  req={"cpu": "10m", "memory": "32Mi"}, lim={"memory": "64Mi"},
                  security={"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True},
                  mounts=[("proc", "/host/proc"), ("sys", "/host/sys"), ("root", "/host/root")])],
                  sa="kube-prometheus-stack-prometheus-node-exporter", host_network=True, host_pid=True,
                  tolerations=[{"effect": "NoSchedule", "operator": "Exists"}],
                  volumes=[{"name": "proc", "hostPath": {"path": "/proc", "type": ""}},
                           {"name": "sys", "hostPath": {"path": "/sys", "type": ""}},
                           {"name": "root", "hostPath": {"path": "/", "type": ""}}],
                  security={"fsGroup": 65534, "runAsGroup": 65534, "runAsNonRoot": True,
                            "runAsUser": 65534}))
    svc = lambda name, ports, selector, labels: service(
        S_MON, ns, name, ports=ports, selector=selector, created=t, app=app, release=rel, labels=labels)
    svc(prom_name, [("http-web", 9090, 9090), ("reloader-web", 8080, "reloader-web")],
        {"app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": prom_name},
        dict(kps_labels(prom_name), **{"self-monitor": "true"}))
    svc(am_name, [("http-web", 9093, 9093), ("reloader-web", 8080, "reloader-web")],
        {"alertmanager": am_name, "app.kubernetes.io/name": "alertmanager"},
        dict(kps_labels(am_name), **{"self-monitor": "true"}))
    svc("kube-prometheus-stack-grafana", [("http-web", 80, 3000)],
        {"app.kubernetes.io/instance": rel, "app.kubernetes.io/name": "grafana"},
        get("Deployment", ns, "kube-prometheus-stack-grafana")["metadata"]["labels"])
    svc("kube-prometheus-stack-kube-state-metrics", [("http", 8080, "http")],
        {"app.kubernetes.io/instance": rel, "app.kubernetes.io/name": "kube-state-metrics"}, ksm_labels)
    svc("kube-prometheus-stack-operator", [("https", 443, "https")],
        {"app": "kube-prometheus-stack-operator", "release": rel}, op_labels)
    svc("kube-prometheus-stack-prometheus-node-exporter", [("http-metrics", 9100, 9100)],
        {"app.kubernetes.io/instance": rel, "app.kubernetes.io/name": "prometheus-node-exporter"},
        ne_labels)
    service(S_MON, ns, "prometheus-operated", ports=[("http-web", 9090, "http-web")],
            selector={"app.kubernetes.io/name": "prometheus"}, headless=True,
            created=t + dt.timedelta(seconds=27), owner=prom,
            labels={"managed-by": "prometheus-operator", "operated-prometheus": "true"})
    service(S_MON, ns, "alertmanager-operated",
            ports=[("http-web", 9093, "http-web"), ("tcp-mesh", 9094, 9094),
                   ("udp-mesh", 9094, 9094, "UDP")],
            selector={"app.kubernetes.io/name": "alertmanager"}, headless=True,
            created=t + dt.timedelta(seconds=25), owner=am,
            labels={"managed-by": "prometheus-operator", "operated-alertmanager": "true"})
    service(S_MON, "kube-system", "kube-prometheus-stack-kubelet",
            ports=[("https-metrics", 10250, 10250), ("http-metrics", 10255, 10255),
                   ("cadvisor", 4194, 4194)], selector=None, headless=True,
            created=t + dt.timedelta(seconds=24),
            labels={"app.kubernetes.io/managed-by": "prometheus-operator",
                    "app.kubernetes.io/name": "kubelet", "k8s-app": "kubelet"})
    for name, sel, port, labels in [
        (prom_name, {"app": prom_name, "release": rel, "self-monitor": "true"}, "http-web", kps_labels(prom_name)),
        (am_name, {"app": am_name, "release": rel, "self-monitor": "true"}, "http-web", kps_labels(am_name)),
        ("kube-prometheus-stack-operator", {"app": "kube-prometheus-stack-operator", "release": rel}, "https", op_labels),
        ("kube-prometheus-stack-grafana", {"app.kubernetes.io/instance": rel, "app.kubernetes.io/name": "grafana"}, "http-web", graf_labels),
        ("kube-prometheus-stack-kube-state-metrics", {"app.kubernetes.io/instance": rel, "app.kubernetes.io/name": "kube-state-metrics"}, "http", ksm_labels),
        ("kube-prometheus-stack-prometheus-node-exporter", {"app.kubernetes.io/instance": rel, "app.kubernetes.io/name": "prometheus-node-exporter"}, "http-metrics", ne_labels),
        ("kube-prometheus-stack-kubelet", {"app.kubernetes.io/name": "kubelet", "k8s-app": "kubelet"}, "https-metrics", kps_labels("kube-prometheus-stack-kubelet")),
    ]:
        service_monitor(S_MON, ns, name, t, app, sel, port, release=rel, labels=labels,
                        namespace_selector="kube-system" if name.endswith("kubelet") else ns)
    certificate(S_MON, ns, "grafana-tls", f"grafana.{DOMAIN}", t + dt.timedelta(minutes=6), app=app)
    ingress_route(S_MON, ns, "grafana", f"grafana.{DOMAIN}", "kube-prometheus-stack-grafana", 80,
                  "grafana-tls", t, app=app)


# ---- cert-manager --------------------------------------------------------------------------

def cm_labels(component, name):
    return {"app": name, "app.kubernetes.io/component": component,
            "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/managed-by": "Helm",
            "app.kubernetes.io/name": name, "app.kubernetes.io/version": "v1.19.1",
            "helm.sh/chart": "cert-manager-v1.19.1"}


def build_cert_manager():
    ns = "cert-manager"
    app = rel = "cert-manager"
    t = T_CERT
    sel = ["app.kubernetes.io/component", "app.kubernetes.io/instance", "app.kubernetes.io/name"]
    pod_sec = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    small = dict(req={"cpu": "10m", "memory": "32Mi"}, lim={"memory": "128Mi"})
    ns_env = [env("POD_NAMESPACE", field="metadata.namespace")]
    deployment(S_CERT, ns, "cert-manager", replicas=2, created=t, nodes=[I1, I3], app=app,
               release=rel, labels=cm_labels("controller", "cert-manager"), selector_keys=sel,
               tpl_annotations={"prometheus.io/path": "/metrics", "prometheus.io/port": "9402",
                                "prometheus.io/scrape": "true"},
               spec=pod_spec([container(
                   "cert-manager-controller", "quay.io/jetstack/cert-manager-controller:v1.19.1",
                   args=["--v=2", "--cluster-resource-namespace=$(POD_NAMESPACE)",
                         "--leader-election-namespace=kube-system",
                         "--acme-http01-solver-image=quay.io/jetstack/cert-manager-acmesolver:v1.19.1",
                         "--max-concurrent-challenges=60"], env=ns_env,
                   ports=[("http-metrics", 9402), ("http-healthz", 9403)],
                   liveness=http_probe("/livez", "http-healthz", timeout=15, failure=8),
                   security=RESTRICTED, **small)], sa="cert-manager",
                   node_selector=INFRA_SELECTOR, security=pod_sec))
    caj_life = {0: Life(t + dt.timedelta(seconds=3), restarts={"cert-manager-cainjector": (
        3, terminated("Error", 1, at("2026-10-26T19:41:05"), at("2026-10-30T03:12:44"),
                      container_id("cainjector", "err")), at("2026-10-30T03:12:45"))})}
    deployment(S_CERT, ns, "cert-manager-cainjector", replicas=1, created=t, nodes=[I2], app=app,
               release=rel, labels=cm_labels("cainjector", "cainjector"), selector_keys=sel,
               lives=caj_life,
               spec=pod_spec([container(
                   "cert-manager-cainjector", "quay.io/jetstack/cert-manager-cainjector:v1.19.1",
                   args=["--v=2", "--leader-election-namespace=kube-system"], env=ns_env,
                   ports=[("http-metrics", 9402)], security=RESTRICTED, **small)],
                   sa="cert-manager-cainjector", node_selector=INFRA_SELECTOR, security=pod_sec))
    deployment(S_CERT, ns, "cert-manager-webhook", replicas=2, created=t, nodes=[I1, I2], app=app,
               release=rel, labels=cm_labels("webhook", "webhook"), selector_keys=sel,
               spec=pod_spec([container(
                   "cert-manager-webhook", "quay.io/jetstack/cert-manager-webhook:v1.19.1",
                   args=["--v=2", "--secure-port=10250",
                         "--dynamic-serving-ca-secret-namespace=$(POD_NAMESPACE)",
                         "--dynamic-serving-ca-secret-name=cert-manager-webhook-ca",
                         "--dynamic-serving-dns-names=cert-manager-webhook,cert-manager-webhook.$(POD_NAMESPACE),cert-manager-webhook.$(POD_NAMESPACE).svc"],
                   env=ns_env, ports=[("https", 10250), ("healthcheck", 6080), ("http-metrics", 9402)],
                   liveness=http_probe("/livez", 6080, initial=60),
                   readiness=http_probe("/healthz", 6080, initial=5, period=5),
                   security=RESTRICTED, **small)], sa="cert-manager-webhook",
                   node_selector=INFRA_SELECTOR, security=pod_sec),
               pdb={"name": "cert-manager-webhook", "minAvailable": 1})
    service(S_CERT, ns, "cert-manager", created=t, app=app, release=rel,
            labels=cm_labels("controller", "cert-manager"),
            ports=[("tcp-prometheus-servicemonitor", 9402, "http-metrics")],
            selector={k: cm_labels("controller", "cert-manager")[k] for k in sel})
    service(S_CERT, ns, "cert-manager-webhook", created=t, app=app, release=rel,
            labels=cm_labels("webhook", "webhook"),
            ports=[("https", 443, "https"), ("metrics", 9402, "http-metrics")],
            selector={k: cm_labels("webhook", "webhook")[k] for k in sel})
    service_monitor(S_CERT, ns, "cert-manager", t, app,
                    {"app.kubernetes.io/component": "controller",
                     "app.kubernetes.io/instance": "cert-manager",
                     "app.kubernetes.io/name": "cert-manager"},
                    "tcp-prometheus-servicemonitor", release=rel,
                    labels=cm_labels("controller", "cert-manager"))


# ---- traefik ---------------------------------------------------------------------------------

LB_HOSTNAME = f"a{hexid(32, 'nlb')}-{hexid(16, 'nlb-suffix')}.elb.{REGION}.amazonaws.com"


def traefik_labels(chart):
    return {"app.kubernetes.io/instance": "traefik-traefik", "app.kubernetes.io/managed-by": "Helm",
            "app.kubernetes.io/name": "traefik", "helm.sh/chart": f"traefik-{chart}"}


TRAEFIK_SEL = ["app.kubernetes.io/instance", "app.kubernetes.io/name"]


def traefik_spec(image):
    return pod_spec([container(
        "traefik", image,
        args=["--entryPoints.metrics.address=:9100/tcp", "--entryPoints.traefik.address=:8080/tcp",
              "--entryPoints.web.address=:8000/tcp", "--entryPoints.websecure.address=:8443/tcp",
              "--api.dashboard=true", "--ping=true", "--metrics.prometheus=true",
              "--metrics.prometheus.entrypoint=metrics", "--providers.kubernetescrd",
              "--providers.kubernetescrd.allowEmptyServices=true", "--providers.kubernetesingress",
              "--providers.kubernetesingress.allowEmptyServices=true",
              "--providers.kubernetesingress.ingressendpoint.publishedservice=traefik/traefik",
              "--entryPoints.web.http.redirections.entryPoint.to=:443",
              "--entryPoints.web.http.redirections.entryPoint.scheme=https",
              "--entryPoints.websecure.http.tls=true", "--log.level=INFO"],
        env=[env("POD_NAME", field="metadata.name"), env("POD_NAMESPACE", field="metadata.namespace")],
        ports=[("metrics", 9100), ("traefik", 8080), ("web", 8000), ("websecure", 8443)],
        readiness=http_probe("/ping", 8080, initial=2, period=10, timeout=2, failure=1),
        liveness=http_probe("/ping", 8080, initial=2, period=10, timeout=2, failure=3),
        req={"cpu": "100m", "memory": "128Mi"}, lim={"memory": "256Mi"}, security=RESTRICTED,
        mounts=[("data", "/data"), ("tmp", "/tmp")])],
        sa="traefik", node_selector=INFRA_SELECTOR, grace=60,
        spread=[{"labelSelector": {"matchLabels": {"app.kubernetes.io/instance": "traefik-traefik",
                                                    "app.kubernetes.io/name": "traefik"}},
                 "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                 "whenUnsatisfiable": "DoNotSchedule"}],
        volumes=[{"name": "data", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}}],
        security={"runAsGroup": 65532, "runAsNonRoot": True, "runAsUser": 65532})


TRAEFIK_TPL_ANN = {"prometheus.io/path": "/metrics", "prometheus.io/port": "9100",
                   "prometheus.io/scrape": "true"}


def build_traefik():
    ns = "traefik"
    app = rel = "traefik"
    t = T_TRAEFIK

    def old(tpl):
        tpl["metadata"]["labels"]["helm.sh/chart"] = "traefik-37.1.2"
        tpl["spec"]["containers"][0]["image"] = "docker.io/traefik:v3.5.2"
        return tpl

    new_start = T_TRAEFIK_SYNC + dt.timedelta(seconds=2)
    lives = {0: Life(new_start, ready_after=3),
             1: Life(at("2026-11-01T08:15:12"), ready_after=3)}
    dep, rs_list, pods = deployment(
        S_TRAEFIK, ns, "traefik", replicas=2, created=t, nodes=[I1, I2], app=app, release=rel,
        labels=traefik_labels("37.2.0"), selector_keys=TRAEFIK_SEL, revision=2,
        old_revisions=[(1, old, t)], lives=lives, pod_created=new_start,
        tpl_annotations=TRAEFIK_TPL_ANN, spec=traefik_spec("docker.io/traefik:v3.5.3"),
        strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
        pdb={"name": "traefik", "minAvailable": 1})
    service(S_TRAEFIK, ns, "traefik", created=t, app=app, release=rel, type_="LoadBalancer",
            labels=traefik_labels("37.2.0"), lb_hostname=LB_HOSTNAME,
            annotations={"service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
                         "service.beta.kubernetes.io/aws-load-balancer-type": "nlb"},
            ports=[("web", 80, "web"), ("websecure", 443, "websecure")],
            selector={"app.kubernetes.io/instance": "traefik-traefik", "app.kubernetes.io/name": "traefik"})
    service_monitor(S_TRAEFIK, ns, "traefik", t, app,
                    {"app.kubernetes.io/instance": "traefik-traefik",
                     "app.kubernetes.io/name": "traefik"}, "metrics", release=rel,
                    labels=traefik_labels("37.2.0"))
    issuer = {
        "apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer",
        "metadata": meta("ClusterIssuer", "letsencrypt-prod", created=t + dt.timedelta(seconds=4),
                         annotations=helm_annotations(rel, ns), generation=1),
        "spec": {"acme": {
            "email": f"platform-team@{DOMAIN.split('.', 1)[1]}",
            "privateKeySecretRef": {"name": "letsencrypt-prod-account-key"},
            "server": "https://acme-v02.api.letsencrypt.org/directory",
            "solvers": [{"http01": {"ingress": {"ingressClassName": "traefik"}}}]}},
        "status": {
            "acme": {"lastPrivateKeyHash": base64.b64encode(digest("acme-key")).decode(),
                     "lastRegisteredEmail": f"platform-team@{DOMAIN.split('.', 1)[1]}",
                     "uri": "https://acme-v02.api.letsencrypt.org/acme/acct/2187654321"},
            "conditions": [{"type": "Ready", "status": "True", "reason": "ACMEAccountRegistered",
                            "message": "The ACME account was registered with the ACME server",
                            "observedGeneration": 1,
                            "lastTransitionTime": iso(t + dt.timedelta(seconds=7))}],
        },
    }
    add(S_TRAEFIK, manage(app, issuer))
    return dep, rs_list, pods


# ---- cnpg-system -----------------------------------------------------------------------------

def build_cnpg():
    ns = "cnpg-system"
    app = "cnpg-operator"
    rel = "cnpg"
    t = T_CNPG
    labels = {"app.kubernetes.io/instance": "cnpg", "app.kubernetes.io/name": "cloudnative-pg"}
    dep_labels = dict(labels, **{"app.kubernetes.io/managed-by": "Helm",
                                 "app.kubernetes.io/version": "1.27.1",
                                 "helm.sh/chart": "cloudnative-pg-0.26.1"})

    def spec(version):
        image = f"ghcr.io/cloudnative-pg/cloudnative-pg:{version}"
        return pod_spec([container(
            "manager", image, command=["/manager"],
            args=["controller", "--leader-elect", "--max-concurrent-reconciles=10",
                  "--config-map-name=cnpg-controller-manager-config", "--webhook-port=9443"],
            env=[env("OPERATOR_IMAGE_NAME", image),
                 env("OPERATOR_NAMESPACE", field="metadata.namespace"),
                 env("MONITORING_QUERIES_CONFIGMAP", "cnpg-default-monitoring")],
            ports=[("metrics", 8080), ("webhook-server", 9443)],
            readiness=http_probe("/readyz", 9443, scheme="HTTPS", initial=3),
            liveness=http_probe("/readyz", 9443, scheme="HTTPS", initial=3),
            startup=http_probe("/readyz", 9443, scheme="HTTPS", initial=0, period=5, failure=6),
            req={"cpu": "100m", "memory": "200Mi"}, lim={"memory": "512Mi"},
            security={"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                      "readOnlyRootFilesystem": True, "runAsGroup": 10001, "runAsUser": 10001,
                      "seccompProfile": {"type": "RuntimeDefault"}},
            mounts=[("scratch-data", "/controller"), ("webhook-certificates", "/run/secrets/cnpg.io/webhook")])],
            sa="cnpg-controller-manager", node_selector=INFRA_SELECTOR, grace=10,
            volumes=[{"name": "scratch-data", "emptyDir": {}},
                     {"name": "webhook-certificates", "secret": {
                         "defaultMode": 420, "optional": True, "secretName": "cnpg-webhook-cert"}}],
            security={"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}})

    start = T_CNPG_SYNC + dt.timedelta(seconds=2)
    dep, rs_list, pods = deployment(
        S_CNPG, ns, "cnpg-controller-manager", replicas=1, created=t, nodes=[I3], app=app,
        release=rel, labels=labels, dep_labels=dep_labels, selector_keys=list(labels), revision=2,
        old_revisions=[(1, lambda tpl: dict(tpl, spec=spec("1.27.0")), t)], pod_created=start,
        lives={0: Life(start, ready_after=14)}, spec=spec("1.27.1"))
    service(S_CNPG, ns, "cnpg-webhook-service", created=t, app=app, release=rel,
            labels=dep_labels, ports=[("webhook-server", 443, "webhook-server")], selector=labels)
    return dep, rs_list, pods


# ---- keycloak ------------------------------------------------------------------------------

KC_IMAGE = "docker.io/bitnamilegacy/keycloak:26.3.3-debian-12-r0"
PG_IMAGE = "ghcr.io/cloudnative-pg/postgresql:17.6"
KC_LABELS = {"app.kubernetes.io/component": "keycloak", "app.kubernetes.io/instance": "keycloak",
             "app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/name": "keycloak",
             "app.kubernetes.io/version": "26.3.3", "helm.sh/chart": "keycloak-25.2.0"}
KC_SEL = ["app.kubernetes.io/component", "app.kubernetes.io/instance", "app.kubernetes.io/name"]
DB_PODS = [("keycloak-db-1", D1, "primary"), ("keycloak-db-2", D2, "replica"),
           ("keycloak-db-3", D1, "replica")]


def build_keycloak():
    ns = "keycloak"
    app = rel = "keycloak"
    t = T_KC
    kc0_start = T_KC_ROLL + dt.timedelta(seconds=81)  # OrderedReady, updated from the last ordinal
    lives = {
        0: Life(kc0_start, ready_after=44, restarts={"keycloak": (
            1, terminated("OOMKilled", 137, kc0_start + dt.timedelta(seconds=2), T_KC0_OOM,
                          container_id("keycloak-0", "keycloak", "oom-1")),
            T_KC0_OOM + dt.timedelta(seconds=1))}),
        1: Life(T_KC_ROLL + dt.timedelta(seconds=3), ready_after=47),
    }
    sts, pods = statefulset(
        S_KC, ns, "keycloak", replicas=2, created=t, nodes=[A1, A2], app=app, release=rel,
        service_name="keycloak-headless", labels=KC_LABELS, selector_keys=KC_SEL, lives=lives,
        generation=2, pod_management="Parallel",
        spec=pod_spec([container(
            "keycloak", KC_IMAGE,
            env=[env("KUBERNETES_NAMESPACE", field="metadata.namespace"),
                 env("BITNAMI_DEBUG", "false"),
                 env("KC_BOOTSTRAP_ADMIN_PASSWORD", secret=("keycloak", "admin-password")),
                 env("KEYCLOAK_HTTP_RELATIVE_PATH", "/"),
                 env("KEYCLOAK_DATABASE_HOST", "keycloak-db-rw"),
                 env("KEYCLOAK_DATABASE_PORT", "5432"),
                 env("KEYCLOAK_DATABASE_NAME", "app"),
                 env("KEYCLOAK_DATABASE_USER", "app"),
                 env("KEYCLOAK_DATABASE_PASSWORD", secret=("keycloak-db-app", "password")),
                 env("KEYCLOAK_CACHE_TYPE", "ispn"),
                 env("KEYCLOAK_CACHE_STACK", "kubernetes"),
                 env("KEYCLOAK_PROXY_HEADERS", "xforwarded"),
                 env("KC_HOSTNAME", f"https://keycloak.{DOMAIN}"),
                 env("KEYCLOAK_ENABLE_HEALTH_ENDPOINTS", "true"),
                 env("JAVA_OPTS_APPEND", "-Djgroups.dns.query=keycloak-headless.keycloak.svc.cluster.local -XX:MaxRAMPercentage=75.0")],
            ports=[("http", 8080), ("management", 9000), ("discovery", 7800)],
            readiness=http_probe("/realms/master", "http", initial=30),
            liveness=tcp_probe("http", initial=300, period=1, timeout=5),
            req={"cpu": "1", "memory": "1536Mi"}, lim={"cpu": "1", "memory": "1536Mi"},
            security=dict(RESTRICTED, runAsGroup=1001, runAsUser=1001, readOnlyRootFilesystem=True),
            mounts=[("empty-dir", "/tmp"), ("empty-dir", "/bitnami/keycloak")])],
            sa="keycloak", node_selector=APPS_SELECTOR,
            affinity={"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                "podAffinityTerm": {"labelSelector": {"matchLabels": {
                    k: KC_LABELS[k] for k in KC_SEL}}, "topologyKey": "kubernetes.io/hostname"},
                "weight": 1}]}},
            volumes=[{"name": "empty-dir", "emptyDir": {}}],
            security={"fsGroup": 1001, "fsGroupChangePolicy": "Always",
                      "seccompProfile": {"type": "RuntimeDefault"}}))
    add(S_KC, manage(app, pod_disruption_budget(
        ns, "keycloak", {k: KC_LABELS[k] for k in KC_SEL}, pods, t, min_available=1,
        labels=KC_LABELS, release=rel)))
    service(S_KC, ns, "keycloak", created=t, app=app, release=rel, labels=KC_LABELS,
            ports=[("http", 80, "http")], selector={k: KC_LABELS[k] for k in KC_SEL})
    service(S_KC, ns, "keycloak-headless", created=t, app=app, release=rel, labels=KC_LABELS,
            headless=True, publish_not_ready=True,
            ports=[("http", 8080, "http"), ("discovery", 7800, "discovery")],
            selector={k: KC_LABELS[k] for k in KC_SEL})
    secret(S_KC, ns, "keycloak", {"admin-password": "sandbox-not-a-real-password"}, created=t,
           labels=KC_LABELS, annotations=dict(helm_annotations(rel, ns), **{
               "argocd.argoproj.io/tracking-id": tracking_id(app, "v1", "Secret", ns, "keycloak")}))
    APP_RESOURCES[app].append(get("Secret", ns, "keycloak"))
    certificate(S_KC, ns, "keycloak-tls", f"keycloak.{DOMAIN}", t + dt.timedelta(minutes=2), app=app)
    ingress_route(S_KC, ns, "keycloak", f"keycloak.{DOMAIN}", "keycloak", 80, "keycloak-tls", t,
                  app=app)
    build_keycloak_db(ns, app, rel)
    return sts, pods


def build_keycloak_db(ns, app, rel):
    t = T_KC
    name = "keycloak-db"
    cluster = {
        "apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
        "metadata": meta("Cluster", name, ns, created=t, generation=1,
                         labels={"app.kubernetes.io/instance": "keycloak",
                                 "app.kubernetes.io/managed-by": "Helm"},
                         annotations=helm_annotations(rel, ns)),
        "spec": {
            "affinity": {"enablePodAntiAffinity": True, "nodeSelector": dict(DB_SELECTOR),
                         "podAntiAffinityType": "preferred", "tolerations": [dict(DB_TOLERATION)],
                         "topologyKey": "kubernetes.io/hostname"},
            "bootstrap": {"initdb": {"database": "app", "encoding": "UTF8", "localeCType": "C",
                                     "localeCollate": "C", "owner": "app"}},
            "enablePDB": True,
            "enableSuperuserAccess": False,
            "failoverDelay": 0,
            "imageName": PG_IMAGE,
            "instances": 3,
            "logLevel": "info",
            "maxSyncReplicas": 0,
            "minSyncReplicas": 0,
            "monitoring": {"customQueriesConfigMap": [{"key": "queries", "name": "cnpg-default-monitoring"}],
                           "disableDefaultQueries": False, "enablePodMonitor": False},
            "postgresGID": 26,
            "postgresUID": 26,
            "postgresql": {"parameters": {
                "archive_mode": "on", "archive_timeout": "5min", "dynamic_shared_memory_type": "posix",
                "full_page_writes": "on", "log_destination": "csvlog", "log_directory": "/controller/log",
                "log_filename": "postgres", "log_rotation_age": "0", "log_rotation_size": "0",
                "log_truncate_on_rotation": "false", "logging_collector": "on",
                "max_connections": "200", "max_parallel_workers": "32", "max_replication_slots": "32",
                "max_worker_processes": "32", "shared_buffers": "256MB",
                "shared_memory_type": "mmap", "shared_preload_libraries": "",
                "ssl_max_protocol_version": "TLSv1.3", "ssl_min_protocol_version": "TLSv1.3",
                "wal_keep_size": "512MB", "wal_level": "logical", "wal_log_hints": "on",
                "wal_receiver_timeout": "5s", "wal_sender_timeout": "5s"},
                "syncReplicaElectionConstraint": {"enabled": False}},
            "primaryUpdateMethod": "switchover",
            "primaryUpdateStrategy": "unsupervised",
            "replicationSlots": {"highAvailability": {"enabled": True, "slotPrefix": "_cnpg_"},
                                 "synchronizeReplicas": {"enabled": True}, "updateInterval": 30},
            "resources": {"limits": {"cpu": "500m", "memory": "1Gi"},
                          "requests": {"cpu": "500m", "memory": "1Gi"}},
            "smartShutdownTimeout": 180,
            "startDelay": 3600,
            "stopDelay": 1800,
            "storage": {"resizeInUseVolumes": True, "size": "10Gi", "storageClass": "gp2"},
            "switchoverDelay": 3600,
        },
    }
    add(S_KC, manage(app, cluster))
    pods = []
    for idx, (pname, node, role) in enumerate(DB_PODS, start=1):
        start = t + dt.timedelta(seconds=38 + 52 * (idx - 1))
        labels = {"cnpg.io/cluster": name, "cnpg.io/instanceName": pname,
                  "cnpg.io/instanceRole": role, "cnpg.io/podRole": "instance", "role": role}
        pg_res = {"req": {"cpu": "500m", "memory": "1Gi"}, "lim": {"cpu": "500m", "memory": "1Gi"}}
        spec = pod_spec([container(
            "postgres", PG_IMAGE,
            command=["/controller/manager", "instance", "run", "--status-port-tls",
                     "--log-level=info"],
            env=[env("PGDATA", "/var/lib/postgresql/data/pgdata"), env("POD_NAME", pname),
                 env("NAMESPACE", ns), env("CLUSTER_NAME", name), env("PSQL_HISTORY", "/controller/tmp/.psql_history"),
                 env("PGPORT", "5432"), env("PGHOST", "/controller/run"),
                 env("TMPDIR", "/controller/tmp")],
            ports=[("postgresql", 5432), ("metrics", 9187), ("status", 8000)],
            readiness=http_probe("/readyz", 8000, scheme="HTTPS", initial=0, timeout=5),
            liveness=http_probe("/healthz", 8000, scheme="HTTPS", initial=0, timeout=5),
            startup=http_probe("/healthz", 8000, scheme="HTTPS", initial=0, timeout=5, failure=360),
            security={"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                      "privileged": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True,
                      "seccompProfile": {"type": "RuntimeDefault"}},
            mounts=[("pgdata", "/var/lib/postgresql/data"), ("scratch-data", "/run"),
                    ("scratch-data", "/controller"), ("shm", "/dev/shm")], **pg_res)],
            init=[container("bootstrap-controller", "ghcr.io/cloudnative-pg/cloudnative-pg:1.27.0",
                            command=["/manager", "bootstrap", "/controller/manager", "--log-level=info"],
                            security={"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                                      "privileged": False, "readOnlyRootFilesystem": True,
                                      "runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                            mounts=[("scratch-data", "/controller")], **pg_res)],
            sa=name, node_selector=DB_SELECTOR, tolerations=[DB_TOLERATION], grace=1800,
            hostname=pname,
            affinity={"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                "podAffinityTerm": {"labelSelector": {"matchExpressions": [
                    {"key": "cnpg.io/cluster", "operator": "In", "values": [name]},
                    {"key": "cnpg.io/podRole", "operator": "In", "values": ["instance"]}]},
                    "topologyKey": "kubernetes.io/hostname"},
                "weight": 100}]}},
            volumes=[{"name": "pgdata", "persistentVolumeClaim": {"claimName": pname}},
                     {"name": "scratch-data", "emptyDir": {}},
                     {"name": "shm", "emptyDir": {"medium": "Memory"}}],
            security={"fsGroup": 26, "fsGroupChangePolicy": "OnRootMismatch", "runAsGroup": 26,
                      "runAsNonRoot": True, "runAsUser": 26,
                      "seccompProfile": {"type": "RuntimeDefault"}})
        tpl = template(labels, spec, {"cnpg.io/nodeSerial": str(idx),
                                      "cnpg.io/operatorVersion": "1.27.0"})
        add(S_KC, volume(ns, pname, "10Gi", node, start - dt.timedelta(seconds=8), owner=cluster,
                         labels={"cnpg.io/cluster": name, "cnpg.io/instanceName": pname,
                                 "cnpg.io/instanceRole": role, "cnpg.io/pvcRole": "PG_DATA",
                                 "role": role}))
        pods.append(add(S_KC, make_pod(ns, pname, node, tpl, Life(start, ready_after=9),
                                       owner=cluster)))
    primary_ready = pods[0]["status"]["conditions"][2]["lastTransitionTime"]
    cluster["status"] = {
        "certificates": {
            "clientCASecret": f"{name}-ca", "replicationTLSSecret": f"{name}-replication",
            "serverAltDNSNames": [f"{name}-rw", f"{name}-rw.{ns}", f"{name}-rw.{ns}.svc",
                                  f"{name}-rw.{ns}.svc.cluster.local", f"{name}-r", f"{name}-r.{ns}",
                                  f"{name}-r.{ns}.svc", f"{name}-r.{ns}.svc.cluster.local",
                                  f"{name}-ro", f"{name}-ro.{ns}", f"{name}-ro.{ns}.svc",
                                  f"{name}-ro.{ns}.svc.cluster.local"],
            "serverCASecret": f"{name}-ca", "serverTLSSecret": f"{name}-server",
            "expirations": {f"{name}-ca": "2027-01-11 11:16:03 +0000 UTC",
                            f"{name}-replication": "2027-01-11 11:16:03 +0000 UTC",
                            f"{name}-server": "2027-01-11 11:16:03 +0000 UTC"},
        },
        "cloudNativePGCommitHash": "0b1c6c2b",
        "cloudNativePGOperatorHash": hexid(64, "cnpg-operator-hash", "1.27.1"),
        "conditions": [{"type": "Ready", "status": "True", "reason": "ClusterIsReady",
                        "message": "Cluster is Ready", "lastTransitionTime": iso(T_IM_UPGRADED)}],
        "configMapResourceVersion": {"metrics": {"cnpg-default-monitoring": next_rv()}},
        "currentPrimary": "keycloak-db-1",
        "currentPrimaryTimestamp": iso_micro(at(primary_ready[:-1])),
        "healthyPVC": [p[0] for p in DB_PODS],
        "image": PG_IMAGE,
        "instanceNames": [p[0] for p in DB_PODS],
        "instances": 3,
        "instancesReportedState": {
            p["metadata"]["name"]: {"ip": p["status"]["podIP"], "isPrimary": r == "primary",
                                    "timeLineID": 1}
            for p, (_, _, r) in zip(pods, DB_PODS)},
        "instancesStatus": {"healthy": [p[0] for p in DB_PODS]},
        "latestGeneratedNode": 3,
        "managedRolesStatus": {},
        "phase": "Cluster in healthy state",
        "poolerIntegrations": {"pgBouncerIntegration": {}},
        "pvcCount": 3,
        "readService": f"{name}-r",
        "readyInstances": 3,
        "secretsResourceVersion": {"applicationSecretVersion": next_rv(),
                                   "clientCaSecretVersion": next_rv(),
                                   "replicationSecretVersion": next_rv(),
                                   "serverCaSecretVersion": next_rv(),
                                   "serverSecretVersion": next_rv()},
        "switchReplicaClusterStatus": {},
        "systemID": "7560931184526219286",
        "targetPrimary": "keycloak-db-1",
        "targetPrimaryTimestamp": iso_micro(at(primary_ready[:-1]) - dt.timedelta(seconds=9)),
        "timelineID": 1,
        "topology": {"instances": {p[0]: {} for p in DB_PODS}, "nodesUsed": 2,
                     "successfullyExtracted": True},
        "writeService": f"{name}-rw",
    }
    cl_labels = {"cnpg.io/cluster": name}
    for svc_name, sel in [(f"{name}-r", {"cnpg.io/cluster": name, "cnpg.io/podRole": "instance"}),
                          (f"{name}-ro", {"cnpg.io/cluster": name, "cnpg.io/instanceRole": "replica"}),
                          (f"{name}-rw", {"cnpg.io/cluster": name, "cnpg.io/instanceRole": "primary"})]:
        service(S_KC, ns, svc_name, ports=[("postgres", 5432, 5432)], selector=sel,
                created=t + dt.timedelta(seconds=2), owner=cluster, labels=cl_labels)
    add(S_KC, pod_disruption_budget(
        ns, name, {"cnpg.io/cluster": name, "cnpg.io/instanceRole": "replica"}, pods[1:],
        t + dt.timedelta(seconds=3), min_available=1, labels=cl_labels, owner=cluster))
    add(S_KC, pod_disruption_budget(
        ns, f"{name}-primary", {"cnpg.io/cluster": name, "cnpg.io/instanceRole": "primary"},
        pods[:1], t + dt.timedelta(seconds=3), min_available=1, labels=cl_labels, owner=cluster))
    secret(S_KC, ns, f"{name}-app", {
        "dbname": "app", "host": f"{name}-rw", "jdbc-uri": f"jdbc:postgresql://{name}-rw.{ns}:5432/app?password=sandbox-db-fake&user=app",
        "password": "sandbox-db-fake", "pgpass": f"{name}-rw:5432:app:app:sandbox-db-fake\n",
        "port": "5432", "uri": f"postgresql://app:sandbox-db-fake@{name}-rw.{ns}:5432/app",
        "user": "app", "username": "app"}, created=t + dt.timedelta(seconds=1),
        type_="kubernetes.io/basic-auth", owner=cluster,
        labels={"cnpg.io/cluster": name, "cnpg.io/reload": "true", "cnpg.io/userType": "app"})
    return cluster, pods


# ---- Argo CD Applications ----------------------------------------------------------------------

RETRY = {"backoff": {"duration": "5s", "factor": 2, "maxDuration": "3m0s"}, "limit": 5}
ROOT_TRACKING = "platform-root"

CHILD_APPS = [
    dict(name="monitoring", wave=-10, ns="monitoring", ssa=True,
         source={"chart": "kube-prometheus-stack",
                 "helm": {"releaseName": "kube-prometheus-stack", "valuesObject": {
                     "alertmanager": {"alertmanagerSpec": {"nodeSelector": INFRA_SELECTOR}},
                     "grafana": {"nodeSelector": INFRA_SELECTOR,
                                 "grafana.ini": {"auth.generic_oauth": {
                                     "enabled": True, "name": "Keycloak",
                                     "auth_url": f"https://keycloak.{DOMAIN}/realms/platform/protocol/openid-connect/auth",
                                     "client_id": "grafana"}}},
                     "kube-state-metrics": {"nodeSelector": INFRA_SELECTOR},
                     "prometheus": {"prometheusSpec": {
                         "nodeSelector": INFRA_SELECTOR, "retention": "10d",
                         "resources": {"limits": {"memory": "3Gi"},
                                       "requests": {"cpu": "500m", "memory": "2Gi"}},
                         "storageSpec": {"volumeClaimTemplate": {"spec": {
                             "resources": {"requests": {"storage": "50Gi"}},
                             "storageClassName": "gp2"}}}}},
                     "prometheus-node-exporter": {"tolerations": [
                         {"effect": "NoSchedule", "operator": "Exists"}]},
                     "prometheusOperator": {"nodeSelector": INFRA_SELECTOR}}},
                 "repoURL": "https://prometheus-community.github.io/helm-charts",
                 "targetRevision": KPS_VERSION},
         history=[(1, KPS_VERSION, T_MON)]),
    dict(name="cert-manager", wave=-5, ns="cert-manager", ssa=True,
         source={"chart": "cert-manager",
                 "helm": {"releaseName": "cert-manager", "valuesObject": {
                     "cainjector": {"nodeSelector": INFRA_SELECTOR},
                     "crds": {"enabled": True, "keep": True},
                     "nodeSelector": INFRA_SELECTOR,
                     "prometheus": {"servicemonitor": {"enabled": True,
                                                       "labels": {"release": "kube-prometheus-stack"}}},
                     "replicaCount": 2,
                     "webhook": {"nodeSelector": INFRA_SELECTOR, "replicaCount": 2}}},
                 "repoURL": "https://charts.jetstack.io", "targetRevision": "v1.19.1"},
         history=[(1, "v1.19.1", T_CERT)]),
    dict(name="traefik", wave=-2, ns="traefik", ssa=True,
         source={"chart": "traefik",
                 "helm": {"releaseName": "traefik", "valuesObject": {
                     "deployment": {"replicas": 2},
                     "ingressClass": {"enabled": True, "isDefaultClass": True},
                     "metrics": {"prometheus": {"serviceMonitor": {
                         "enabled": True, "additionalLabels": {"release": "kube-prometheus-stack"}}}},
                     "nodeSelector": INFRA_SELECTOR,
                     "podDisruptionBudget": {"enabled": True, "minAvailable": 1},
                     "service": {"annotations": {
                         "service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}}}},
                 "repoURL": "https://traefik.github.io/charts", "targetRevision": "37.2.0"},
         history=[(1, "37.1.2", T_TRAEFIK), (2, "37.2.0", T_TRAEFIK_SYNC)]),
    dict(name="cnpg-operator", wave=-1, ns="cnpg-system", ssa=True,
         source={"chart": "cloudnative-pg",
                 "helm": {"releaseName": "cnpg", "valuesObject": {
                     "config": {"clusterWide": True},
                     "crds": {"create": True},
                     "fullnameOverride": "cnpg-controller-manager",
                     "nodeSelector": INFRA_SELECTOR}},
                 "repoURL": "https://cloudnative-pg.github.io/charts", "targetRevision": "0.26.1"},
         history=[(1, "0.26.0", T_CNPG), (2, "0.26.1", T_CNPG_SYNC)]),
    dict(name="keycloak", wave=0, ns="keycloak", ssa=False,
         source={"helm": {"releaseName": "keycloak", "valueFiles": [
                     "values.yaml",
                     "secrets+age-import-kubernetes://argo/helm-secrets-private-keys#key.txt?secrets.yaml"]},
                 "path": "charts/keycloak", "repoURL": GITOPS_REPO, "targetRevision": "main"},
         history=[(1, COMMIT_E, T_KC), (2, COMMIT_C, T_KC_ROLL)]),
]

HEALTHY_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Service", "PersistentVolumeClaim",
                 "Certificate", "ClusterIssuer", "Cluster", "Prometheus", "Alertmanager",
                 "Application"}


def group_version(api_version):
    return tuple(api_version.split("/")) if "/" in api_version else ("", api_version)


def resource_entry(obj, health=None, wave=None):
    group, version = group_version(obj["apiVersion"])
    m = obj["metadata"]
    e: dict = {}
    if group:
        e["group"] = group
    if obj["kind"] in HEALTHY_KINDS:
        e["health"] = health or {"status": "Healthy"}
    e["kind"] = obj["kind"]
    e["name"] = m["name"]
    if m.get("namespace"):
        e["namespace"] = m["namespace"]
    e["status"] = "Synced"
    if wave:
        e["syncWave"] = wave
    e["version"] = version
    return e


def kind_order(obj):
    return (obj["kind"] != "CustomResourceDefinition", group_version(obj["apiVersion"])[0],
            obj["kind"], obj["metadata"].get("namespace") or "", obj["metadata"]["name"])


def sync_message(obj, verb):
    group, _ = group_version(obj["apiVersion"])
    kind = obj["kind"].lower() + (f".{group}" if group else "")
    return f"{kind}/{obj['metadata']['name']} {verb}"


def top_owner(obj):
    while obj.get("metadata", {}).get("ownerReferences"):
        ref = obj["metadata"]["ownerReferences"][0]
        owner = INDEX.get((ref["kind"], obj["metadata"].get("namespace"), ref["name"]))
        if owner is None:
            break
        obj = owner
    return obj


def app_images(app):
    images = set()
    for (kind, _, _), obj in INDEX.items():
        if kind != "Pod":
            continue
        top = top_owner(obj)
        tid = top["metadata"].get("annotations", {}).get("argocd.argoproj.io/tracking-id", "")
        if tid.split(":", 1)[0] == app:
            for c in obj["spec"]["containers"] + obj["spec"].get("initContainers", []):
                images.add(c["image"])
    return sorted(images)


def application(objs, name, *, ns, dest_ns, source, created, sync_options, history, sync_rev,
                op_window, health_since, reconciled_at, resources, sync_verbs, source_type,
                annotations=None, labels=None, images=()):
    sync_policy: dict = {"automated": {"prune": True, "selfHeal": True}, "retry": RETRY}
    if sync_options:
        sync_policy["syncOptions"] = list(sync_options)
    last_id, last_rev, _ = history[-1]
    started, finished = op_window
    op_sync: dict = {"prune": True, "revision": last_rev}
    if sync_options:
        op_sync["syncOptions"] = list(sync_options)
    hist = []
    for hid, rev, when in history:
        hist.append({"deployStartedAt": iso(when), "deployedAt": iso(when + dt.timedelta(seconds=3)),
                     "id": hid, "initiatedBy": {"automated": True}, "revision": rev,
                     "source": copy.deepcopy(source)})
    hist[-1]["deployStartedAt"] = iso(started)
    hist[-1]["deployedAt"] = iso(finished)
    app_obj = {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": meta("Application", name, ns, created=created, labels=labels,
                         annotations=annotations, finalizers=["resources-finalizer.argocd.argoproj.io"],
                         generation=num(2400, 9800, "generation", name)),
        "spec": {"destination": {"namespace": dest_ns, "server": IN_CLUSTER}, "project": "default",
                 "source": source, "syncPolicy": sync_policy},
        "status": {
            "controllerNamespace": "argo",
            "health": {"lastTransitionTime": iso(health_since), "status": "Healthy"},
            "history": hist,
            "operationState": {
                "finishedAt": iso(finished),
                "message": "successfully synced (all tasks run)",
                "operation": {"initiatedBy": {"automated": True}, "retry": RETRY, "sync": op_sync},
                "phase": "Succeeded",
                "startedAt": iso(started),
                "syncResult": {
                    "resources": [dict(resource_entry(r, None), message=sync_message(r, sync_verbs(r)),
                                       hookPhase="Running", syncPhase="Sync")
                                  for r in resources],
                    "revision": last_rev,
                    "source": copy.deepcopy(source),
                },
            },
            "reconciledAt": iso(reconciled_at),
            "resources": [],
            "sourceType": source_type,
            "summary": {"images": list(images)} if images else {},
            "sync": {"comparedTo": {"destination": {"namespace": dest_ns, "server": IN_CLUSTER},
                                    "source": copy.deepcopy(source)},
                     "revision": sync_rev, "status": "Synced"},
        },
    }
    for e in app_obj["status"]["operationState"]["syncResult"]["resources"]:
        e.pop("health", None)
    return add(objs, app_obj)


def build_applications():
    ns = "argo"
    children = []
    for i, spec in enumerate(CHILD_APPS):
        name = spec["name"]
        resources = sorted(APP_RESOURCES.get(name, []), key=kind_order)
        history = spec["history"]
        last_when = history[-1][2]
        if name == "traefik":
            window = (T_TRAEFIK_SYNC, T_TRAEFIK_SYNC + dt.timedelta(seconds=3))
            health_since = T_TRAEFIK_HEALTHY
        elif name == "cnpg-operator":
            window = (T_CNPG_SYNC, T_CNPG_SYNC + dt.timedelta(seconds=2))
            health_since = T_CNPG_HEALTHY
        else:
            window = (last_when - dt.timedelta(seconds=2), last_when + dt.timedelta(seconds=6))
            health_since = last_when + dt.timedelta(minutes=1, seconds=40)
        if name == "keycloak":
            kc0 = get("Pod", "keycloak", "keycloak-0")
            health_since = at(kc0["status"]["conditions"][2]["lastTransitionTime"][:-1]) + dt.timedelta(seconds=2)
        ssa = spec["ssa"]
        changed = {"keycloak": {"StatefulSet"}}.get(name)

        def verbs(obj, ssa=ssa, changed=changed):
            if ssa:
                return "serverside-applied"
            return "configured" if changed and obj["kind"] in changed else "unchanged"

        sync_rev = COMMIT_A if name == "keycloak" else history[-1][1]
        annotations = {"argocd.argoproj.io/sync-wave": str(spec["wave"]),
                       "argocd.argoproj.io/tracking-id": f"{ROOT_TRACKING}:argoproj.io/Application:{ns}/{name}"}
        app_obj = application(
            S_ARGO, name, ns=ns, dest_ns=spec["ns"], source=spec["source"],
            created=T_ROOT + dt.timedelta(seconds=9 + i), history=history, sync_rev=sync_rev,
            sync_options=["CreateNamespace=true"] + (["ServerSideApply=true"] if ssa else []),
            op_window=window, health_since=health_since,
            reconciled_at=ago(seconds=num(15, 170, "reconciled", name)), resources=resources,
            sync_verbs=verbs, source_type="Helm", annotations=annotations,
            images=app_images(name))
        app_obj["status"]["resources"] = [resource_entry(r) for r in resources]
        children.append((app_obj, spec["wave"]))
    root_verbs = lambda obj: "configured" if obj["metadata"]["name"] in ("traefik", "cnpg-operator") else "unchanged"
    root = application(
        S_ARGO, "platform-root", ns=ns, dest_ns=ns,
        source={"directory": {"recurse": True}, "path": "argocd/apps", "repoURL": GITOPS_REPO,
                "targetRevision": "main"},
        created=T_ROOT, sync_options=None,
        history=[(1, COMMIT_E, T_ROOT + dt.timedelta(seconds=4)), (2, COMMIT_A, T_ROOT_SYNC)],
        sync_rev=COMMIT_A, op_window=(T_ROOT_SYNC, T_ROOT_DONE), health_since=T_ROOT_DONE,
        reconciled_at=ago(seconds=52), resources=[a for a, _ in children], sync_verbs=root_verbs,
        source_type="Directory", annotations=helm_annotations("argocd-apps", ns))
    root["status"]["resources"] = [resource_entry(a, wave=w) for a, w in children]
    return root, [a for a, _ in children]


# ---- Events of the last hour -----------------------------------------------------------------

def pod_of(ns, prefix, index=0):
    pods = sorted((o for (k, n, name), o in INDEX.items()
                   if k == "Pod" and n == ns and name.startswith(prefix)),
                  key=lambda p: p["metadata"]["creationTimestamp"] + p["metadata"]["name"])
    return pods[index]


def restarted_pod(ns, prefix):
    """The pod of a workload whose container has restarted."""
    return next(o for (k, n, name), o in INDEX.items() if k == "Pod" and n == ns
                and name.startswith(prefix)
                and any(c["restartCount"] for c in o["status"]["containerStatuses"]))


def rs_of(dep_name, ns, current=True):
    rss = [o for (k, n, name), o in INDEX.items() if k == "ReplicaSet" and n == ns
           and o["metadata"]["ownerReferences"][0]["name"] == dep_name]
    rss.sort(key=lambda r: int(r["metadata"]["annotations"]["deployment.kubernetes.io/revision"]))
    return rss[-1] if current else rss[0]


def rollout_events(dep, pods, old_rs, new_rs, pod_starts, replicas):
    """deployment-controller / replicaset-controller / kubelet events of a rolling update."""
    out = []
    for i, (pod, start) in enumerate(zip(pods, pod_starts)):
        out.append(event(dep, "ScalingReplicaSet",
                         f"Scaled up replica set {new_rs['metadata']['name']} from {i} to {i + 1}",
                         first=start - dt.timedelta(seconds=1), component="deployment-controller"))
        out.append(event(new_rs, "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}",
                         first=start, component="replicaset-controller"))
        out.extend(e for e in pod_start_events(pod, start) if e["reason"] != "Pulling")
        ready = at(pod["status"]["conditions"][2]["lastTransitionTime"][:-1])
        out.append(event(dep, "ScalingReplicaSet",
                         f"Scaled down replica set {old_rs['metadata']['name']} from "
                         f"{replicas - i} to {replicas - i - 1}",
                         first=ready, component="deployment-controller"))
    return out


def build_events(root, children):
    evs = []
    apps = {a["metadata"]["name"]: a for a in children}
    # Root app: commit A arrives (webhook refresh), auto-sync through the waves.
    evs += [
        argo_event(root, "ResourceUpdated", "Updated sync status: Synced -> OutOfSync",
                   T_PUSH + dt.timedelta(seconds=27)),
        argo_event(root, "OperationStarted", f"Initiated automated sync to '{COMMIT_A}'", T_ROOT_SYNC),
        argo_event(root, "ResourceUpdated", "Updated health status: Healthy -> Progressing",
                   T_ROOT_SYNC + dt.timedelta(seconds=4)),
        argo_event(root, "OperationCompleted", f"Sync operation to {COMMIT_A} succeeded", T_ROOT_DONE),
        argo_event(root, "ResourceUpdated", "Updated sync status: OutOfSync -> Synced", T_ROOT_DONE),
        argo_event(root, "ResourceUpdated", "Updated health status: Progressing -> Healthy", T_ROOT_DONE),
    ]
    for name, sync_at, healthy_at, rev in [("traefik", T_TRAEFIK_SYNC, T_TRAEFIK_HEALTHY, "37.2.0"),
                                           ("cnpg-operator", T_CNPG_SYNC, T_CNPG_HEALTHY, "0.26.1")]:
        a = apps[name]
        evs += [
            argo_event(a, "ResourceUpdated", "Updated sync status: Synced -> OutOfSync",
                       sync_at - dt.timedelta(seconds=1)),
            argo_event(a, "OperationStarted", f"Initiated automated sync to '{rev}'", sync_at),
            argo_event(a, "OperationCompleted", f"Sync operation to {rev} succeeded",
                       sync_at + dt.timedelta(seconds=3)),
            argo_event(a, "ResourceUpdated", "Updated health status: Healthy -> Progressing",
                       sync_at + dt.timedelta(seconds=4)),
            argo_event(a, "ResourceUpdated", "Updated health status: Progressing -> Healthy",
                       healthy_at),
        ]
    # traefik rolling update (maxSurge 1, maxUnavailable 0)
    dep = get("Deployment", "traefik", "traefik")
    pods = sorted((p for p in INDEX.values() if p["kind"] == "Pod"
                   and p["metadata"]["namespace"] == "traefik"),
                  key=lambda p: p["metadata"]["creationTimestamp"])
    evs += rollout_events(dep, pods, rs_of("traefik", "traefik", False), rs_of("traefik", "traefik"),
                          [at(p["metadata"]["creationTimestamp"][:-1]) for p in pods], 2)
    # cnpg operator update
    dep = get("Deployment", "cnpg-system", "cnpg-controller-manager")
    pods = [pod_of("cnpg-system", "cnpg-controller-manager")]
    evs += rollout_events(dep, pods, rs_of("cnpg-controller-manager", "cnpg-system", False),
                          rs_of("cnpg-controller-manager", "cnpg-system"),
                          [at(pods[0]["metadata"]["creationTimestamp"][:-1])], 1)
    cluster = get("Cluster", "keycloak", "keycloak-db")
    new_hash = cluster["status"]["cloudNativePGOperatorHash"][:6]
    for i, pname in enumerate(["keycloak-db-3", "keycloak-db-2", "keycloak-db-1"]):
        evs.append(event(cluster, "InstanceManagerUpgraded",
                         f"Instance manager has been upgraded on {pname} "
                         f"(oldHash: {hexid(6, 'cnpg-operator-hash', '1.27.0')} — newHash: {new_hash})",
                         first=T_IM_UPGRADED - dt.timedelta(seconds=9 - 4 * i), component="cloudnative-pg"))
    # argocd-repo-server OOMKilled while rendering charts during the sync
    repo = restarted_pod("argo", "argocd-repo-server")
    restart = T_REPO_OOM + dt.timedelta(seconds=1)
    img = repo["spec"]["containers"][0]["image"]
    evs += [
        kubelet_event(repo, "Pulled", f'Container image "{img}" already present on machine',
                      first=restart, container="repo-server"),
        kubelet_event(repo, "Created", "Created container repo-server", first=restart,
                      container="repo-server"),
        kubelet_event(repo, "Started", "Started container repo-server", first=restart,
                      container="repo-server"),
        kubelet_event(repo, "Unhealthy",
                      f'Readiness probe failed: Get "http://{repo["status"]["podIP"]}:8084/healthz": '
                      f"dial tcp {repo['status']['podIP']}:8084: connect: connection refused",
                      first=restart + dt.timedelta(seconds=3), last=restart + dt.timedelta(seconds=8),
                      count=2, type_="Warning", container="repo-server"),
    ]
    for e in evs:
        assert ago(hours=1) < at(e["firstTimestamp"][:-1]) <= RECORDED_AT, e["message"]
    evs.sort(key=lambda e: (e["lastTimestamp"], e["metadata"]["name"]))
    for e in evs:
        add(S_EVENTS, e)


# ---- Timeline ----------------------------------------------------------------------------------

TIMELINE: list = []


def offset(seconds: float) -> str:
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    return f"{s // 60}m{s % 60}s" if s % 60 else f"{s // 60}m"


def tl(seconds, note=None, **change):
    entry: dict = {"at": offset(seconds)}
    if note:
        entry["note"] = note
    entry.update(change)
    TIMELINE.append((seconds, entry))


def patch_status(obj, patch, seconds, note=None, subresource="status"):
    m = obj["metadata"]
    p: dict = {"apiVersion": obj["apiVersion"], "kind": obj["kind"]}
    if m.get("namespace"):
        p["namespace"] = m["namespace"]
    p["name"] = m["name"]
    if subresource:
        p["subresource"] = subresource
    p["type"] = "merge"
    p["patch"] = {"status": patch}
    tl(seconds, note, patch=p)


def tl_event(seconds, obj, reason, message, note=None, *, count=1, first=None, **kw):
    e = event(obj, reason, message, first=first or after(seconds), last=after(seconds),
              count=count, **kw)
    tl(seconds, note, apply=e)
    return e


_LOG_CLOCK: dict = {}


def tl_log(seconds, pod, container, text):
    """A log line appended at `seconds`; kubelet times stay increasing within a stream."""
    m = pod["metadata"]
    key = (m["namespace"], m["name"], container, seconds)
    t = after(seconds) + dt.timedelta(microseconds=num(200, 900, "tl-log", text))
    last = _LOG_CLOCK.get(key)
    if last is not None and t <= last:
        t = last + dt.timedelta(microseconds=num(300, 2400, "tl-log-step", text))
    _LOG_CLOCK[key] = t
    tl(seconds, log={"namespace": m["namespace"], "pod": m["name"], "container": container,
                     "line": f"{iso_nano(t, text)} {text}"})


def cond_list(pod, **states):
    """The pod's conditions with some replaced: states maps type -> (status, time, reason, message)."""
    out = []
    for c in pod["status"]["conditions"]:
        c = dict(c)
        if c["type"] in states:
            status, when, reason, message = states[c["type"]]
            c["status"] = status
            c["lastTransitionTime"] = iso(when)
            if reason:
                c["reason"] = reason
                c["message"] = message
            else:
                c.pop("reason", None)
                c.pop("message", None)
        out.append(c)
    return out


def app_health(app_obj, status, since, resource_health=None, message=None):
    """Status patch for an Application (no status subresource: patched as a whole object)."""
    st = {"health": {"lastTransitionTime": iso(since), "status": status}}
    if message:
        st["health"]["message"] = message
    if resource_health is not None:
        res = copy.deepcopy(app_obj["status"]["resources"])
        for e in res:
            key = (e["kind"], e["name"])
            if key in resource_health:
                e["health"] = resource_health[key]
        st["resources"] = res
    return st


def build_timeline(root, children):
    apps = {a["metadata"]["name"]: a for a in children}
    kc_app = apps["keycloak"]
    traefik_app = apps["traefik"]
    controller = get("Pod", "argo", "argocd-application-controller-0")

    def ctl_log(sec, msg, app_name, **fields):
        extra = "".join(f" {k}={v}" for k, v in fields.items())
        tl_log(sec, controller, "application-controller",
               f'time="{iso(after(sec))}" level=info msg="{msg}" application=argo/{app_name}{extra}')

    def root_health(status, since, child, child_status, note=None, sec=None):
        res = copy.deepcopy(root["status"]["resources"])
        for e in res:
            if e["name"] == child:
                e["health"] = {"status": child_status}
        patch = {"health": {"lastTransitionTime": iso(since), "status": status}, "resources": res}
        patch_status(root, patch, sec, note, subresource=None)

    # ---- keycloak-0 is OOMKilled, backs off, restarts and becomes ready again ----
    kc0 = get("Pod", "keycloak", "keycloak-0")
    sts = get("StatefulSet", "keycloak", "keycloak")
    pdb = get("PodDisruptionBudget", "keycloak", "keycloak")
    c0 = kc0["status"]["containerStatuses"][0]
    old_cid = c0["containerID"]
    old_started = c0["state"]["running"]["startedAt"]
    uid = kc0["metadata"]["uid"]
    backoff = f"back-off 20s restarting failed container=keycloak pod=keycloak-0_keycloak({uid})"
    oom = {"terminated": {"containerID": old_cid, "exitCode": 137, "reason": "OOMKilled",
                          "startedAt": old_started, "finishedAt": iso(after(19))}}
    new_cid = container_id("keycloak-0", "keycloak", 2)
    not_ready = ("False", after(19), "ContainersNotReady", "containers with unready status: [keycloak]")
    patch_status(kc0, {
        "conditions": cond_list(kc0, Ready=not_ready, ContainersReady=not_ready),
        "containerStatuses": [dict(c0, containerID=old_cid, lastState=oom, ready=False, restartCount=2,
                                   started=False,
                                   state={"waiting": {"reason": "CrashLoopBackOff", "message": backoff}})],
    }, 20, "keycloak-0 OOMKilled (limit 1536Mi): container in CrashLoopBackOff, pod not ready")
    patch_status(sts, {"availableReplicas": 1, "readyReplicas": 1}, 20)
    patch_status(pdb, pdb_status(2, 1, 1, after(20)), 20)
    tl_event(21, kc0, "BackOff", "Back-off restarting failed container keycloak in pod "
             f"keycloak-0_keycloak({uid})", component="kubelet", host=kc0["spec"]["nodeName"],
             field_path="spec.containers{keycloak}", type_="Warning")
    waiting = {"status": "Progressing", "message": "Waiting for 1 pods to be ready..."}
    patch_status(kc_app, app_health(kc_app, "Progressing", after(22),
                                    {("StatefulSet", "keycloak"): waiting}), 22,
                 "Argo CD: keycloak app Progressing (StatefulSet waiting for 1 pod)", subresource=None)
    tl_event(22, kc_app, "ResourceUpdated", "Updated health status: Healthy -> Progressing",
             component="argocd-application-controller")
    ctl_log(22, "Refreshing app status (controller refresh requested), level (1)", "keycloak")
    ctl_log(22, "Comparing app state (cluster: https://kubernetes.default.svc, namespace: keycloak)", "keycloak")
    ctl_log(22, "Skipping auto-sync: application status is Synced", "keycloak")
    ctl_log(22, "Updated health status: Healthy -> Progressing", "keycloak", dest_namespace="keycloak",
            dest_server=IN_CLUSTER, reason="ResourceUpdated", type="Normal")
    root_health("Progressing", after(23), "keycloak", "Progressing", sec=23,
                note="Argo CD: platform-root Progressing (waits on the keycloak Application's health)")
    tl_event(23, root, "ResourceUpdated", "Updated health status: Healthy -> Progressing",
             component="argocd-application-controller")

    patch_status(kc0, {
        "containerStatuses": [dict(c0, containerID=new_cid, lastState=oom, ready=False, restartCount=2,
                                   started=True, state={"running": {"startedAt": iso(after(40))}})],
    }, 40, "keycloak-0 container restarted after the back-off (not ready yet)")
    img = kc0["spec"]["containers"][0]["image"]
    kl = dict(component="kubelet", host=kc0["spec"]["nodeName"], field_path="spec.containers{keycloak}")
    tl_event(40, kc0, "Pulled", f'Container image "{img}" already present on machine', **kl)
    tl_event(40, kc0, "Created", "Created container keycloak", **kl)
    tl_event(40, kc0, "Started", "Started container keycloak", **kl)
    ip = kc0["status"]["podIP"]
    for sec, text in keycloak_startup_lines(ip):
        tl_log(sec, kc0, "keycloak", text)
    probe_msg = (f'Readiness probe failed: Get "http://{ip}:8080/realms/master": dial tcp {ip}:8080: '
                 "connect: connection refused")
    first = tl_event(52, kc0, "Unhealthy", probe_msg, type_="Warning", **kl)
    tl_event(62, kc0, "Unhealthy", probe_msg, type_="Warning", count=2, first=after(52), **kl)
    assert first["metadata"]["name"] == TIMELINE[-1][1]["apply"]["metadata"]["name"]

    ready = ("True", after(70), None, None)
    patch_status(kc0, {
        "conditions": cond_list(kc0, Ready=ready, ContainersReady=ready),
        "containerStatuses": [dict(c0, containerID=new_cid, lastState=oom, ready=True, restartCount=2,
                                   started=True, state={"running": {"startedAt": iso(after(40))}})],
    }, 70, "keycloak-0 ready again")
    patch_status(sts, {"availableReplicas": 2, "readyReplicas": 2}, 70)
    patch_status(pdb, pdb_status(2, 2, 1, after(70)), 70)
    patch_status(kc_app, app_health(kc_app, "Healthy", after(72),
                                    {("StatefulSet", "keycloak"): {"status": "Healthy"}}), 72,
                 "Argo CD: keycloak app Healthy", subresource=None)
    tl_event(72, kc_app, "ResourceUpdated", "Updated health status: Progressing -> Healthy",
             component="argocd-application-controller")
    ctl_log(72, "Updated health status: Progressing -> Healthy", "keycloak", dest_namespace="keycloak",
            dest_server=IN_CLUSTER, reason="ResourceUpdated", type="Normal")
    root_health("Healthy", after(73), "keycloak", "Healthy", sec=73)
    tl_event(73, root, "ResourceUpdated", "Updated health status: Progressing -> Healthy",
             component="argocd-application-controller")

    # ---- periodic reconciliation of the root app ----
    patch_status(root, {"reconciledAt": iso(after(60))}, 60,
                 "Argo CD reconciles platform-root (timeout.reconciliation 180s)", subresource=None)
    for msg in ["Refreshing app status (normal refresh requested), level (2)",
                "Comparing app state (cluster: https://kubernetes.default.svc, namespace: argo)",
                "Skipping auto-sync: application status is Synced"]:
        ctl_log(60, msg, "platform-root")
    ctl_log(60, "Reconciliation completed", "platform-root", dedup_ms=0, diff_ms=4, git_ms=38,
            health_ms=1, live_ms=2, patch_ms=11, setop_ms=0, settings_ms=0, sync_ms=0, time_ms=61)

    # ---- a traefik pod is deleted and replaced on another zone ----
    dep = get("Deployment", "traefik", "traefik")
    rs = rs_of("traefik", "traefik")
    tpods = sorted((p for p in INDEX.values() if p["kind"] == "Pod"
                    and p["metadata"]["namespace"] == "traefik"), key=lambda p: p["spec"]["nodeName"])
    victim = next(p for p in tpods if p["spec"]["nodeName"] == I2.name)
    h = rs["metadata"]["labels"]["pod-template-hash"]
    new_name = f"traefik-{h}-{kname(5, 'traefik', 'replacement')}"
    new_pod = make_pod("traefik", new_name, I3, rs["spec"]["template"], Life(after(90), ready_after=3),
                       owner=rs, generate_name=f"traefik-{h}-")
    I3.pods.remove(new_pod)  # not part of the initial node image list
    new_pod["metadata"]["creationTimestamp"] = iso(after(90))
    pending = copy.deepcopy(new_pod)
    pending["status"] = {
        "conditions": [
            {"type": "PodReadyToStartContainers", "status": "False", "lastProbeTime": None,
             "lastTransitionTime": iso(after(90))},
            {"type": "Initialized", "status": "True", "lastProbeTime": None,
             "lastTransitionTime": iso(after(90))},
            {"type": "Ready", "status": "False", "lastProbeTime": None,
             "lastTransitionTime": iso(after(90)), "reason": "ContainersNotReady",
             "message": "containers with unready status: [traefik]"},
            {"type": "ContainersReady", "status": "False", "lastProbeTime": None,
             "lastTransitionTime": iso(after(90)), "reason": "ContainersNotReady",
             "message": "containers with unready status: [traefik]"},
            {"type": "PodScheduled", "status": "True", "lastProbeTime": None,
             "lastTransitionTime": iso(after(90))},
        ],
        "containerStatuses": [{"image": new_pod["spec"]["containers"][0]["image"], "imageID": "",
                               "lastState": {}, "name": "traefik", "ready": False, "restartCount": 0,
                               "started": False, "state": {"waiting": {"reason": "ContainerCreating"}}}],
        "hostIP": I3.ip, "hostIPs": [{"ip": I3.ip}], "phase": "Pending",
        "qosClass": new_pod["status"]["qosClass"], "startTime": iso(after(90)),
    }
    vm = victim["metadata"]
    tl_event(90, victim, "Killing", "Stopping container traefik", component="kubelet",
             host=victim["spec"]["nodeName"], field_path="spec.containers{traefik}",
             note=f"traefik pod {vm['name']} deleted (kubectl delete pod)")
    tl(90, delete={"apiVersion": "v1", "kind": "Pod", "namespace": vm["namespace"], "name": vm["name"]})
    tl(90, f"ReplicaSet creates {new_name}, scheduled on {I3.name} (zone {ZONES[I3.zone]})",
       apply=pending)
    tl_event(90, rs, "SuccessfulCreate", f"Created pod: {new_name}", component="replicaset-controller")
    tl_event(90, new_pod, "Scheduled", f"Successfully assigned traefik/{new_name} to {I3.name}",
             component="default-scheduler")
    patch_status(rs, {"availableReplicas": 1, "fullyLabeledReplicas": 2, "readyReplicas": 1,
                      "replicas": 2}, 90)
    avail = dep["status"]["conditions"][0]
    patch_status(dep, {
        "availableReplicas": 1, "readyReplicas": 1, "unavailableReplicas": 1,
        "conditions": [dict(avail, status="False", reason="MinimumReplicasUnavailable",
                            message="Deployment does not have minimum availability.",
                            lastUpdateTime=iso(after(90)), lastTransitionTime=iso(after(90))),
                       dep["status"]["conditions"][1]]}, 90)
    tpdb = get("PodDisruptionBudget", "traefik", "traefik")
    patch_status(tpdb, pdb_status(2, 1, 1, after(90)), 90)
    rollout = {"status": "Progressing",
               "message": "Waiting for rollout to finish: 1 of 2 updated replicas are available..."}
    patch_status(traefik_app, app_health(traefik_app, "Progressing", after(91),
                                         {("Deployment", "traefik"): rollout}), 91,
                 "Argo CD: traefik app Progressing", subresource=None)
    tl_event(91, traefik_app, "ResourceUpdated", "Updated health status: Healthy -> Progressing",
             component="argocd-application-controller")
    root_health("Progressing", after(92), "traefik", "Progressing", sec=92)
    tl_event(92, root, "ResourceUpdated", "Updated health status: Healthy -> Progressing",
             component="argocd-application-controller")
    timg = new_pod["spec"]["containers"][0]["image"]
    kl = dict(component="kubelet", host=I3.name, field_path="spec.containers{traefik}")
    tl_event(91, new_pod, "Pulling", f'Pulling image "{timg}"', **kl)
    tl_event(93, new_pod, "Pulled", f'Successfully pulled image "{timg}" in 2.184s (2.184s including '
             f"waiting). Image size: {image_size(timg)} bytes.", **kl)
    tl_event(93, new_pod, "Created", "Created container traefik", **kl)
    tl_event(94, new_pod, "Started", "Started container traefik", **kl)
    running = copy.deepcopy(new_pod["status"])
    cs = running["containerStatuses"][0]
    cs.update(ready=False, started=True, state={"running": {"startedAt": iso(after(94))}})
    nr = ("False", after(90), "ContainersNotReady", "containers with unready status: [traefik]")
    running["conditions"] = cond_list(new_pod, PodReadyToStartContainers=("True", after(94), None, None),
                                      Initialized=("True", after(90), None, None), Ready=nr,
                                      ContainersReady=nr, PodScheduled=("True", after(90), None, None))
    running["startTime"] = iso(after(90))
    patch_status(pending, running, 94, f"{new_name} running, waiting for /ping")
    for sec, text in traefik_startup_lines(after(94.2)):
        tl_log(sec, new_pod, "traefik", text)
    ok = ("True", after(97), None, None)
    running2 = copy.deepcopy(running)
    running2["containerStatuses"][0]["ready"] = True
    running2["conditions"] = cond_list(new_pod, PodReadyToStartContainers=("True", after(94), None, None),
                                       Initialized=("True", after(90), None, None), Ready=ok,
                                       ContainersReady=ok, PodScheduled=("True", after(90), None, None))
    patch_status(pending, {"conditions": running2["conditions"],
                           "containerStatuses": running2["containerStatuses"]}, 97,
                 f"{new_name} ready")
    patch_status(rs, {"availableReplicas": 2, "fullyLabeledReplicas": 2, "readyReplicas": 2,
                      "replicas": 2}, 97)
    patch_status(dep, {
        "availableReplicas": 2, "readyReplicas": 2, "unavailableReplicas": None,
        "conditions": [dict(avail, lastUpdateTime=iso(after(97)), lastTransitionTime=iso(after(97))),
                       dep["status"]["conditions"][1]]}, 97)
    patch_status(tpdb, pdb_status(2, 2, 1, after(97)), 97)
    patch_status(traefik_app, app_health(traefik_app, "Healthy", after(99),
                                         {("Deployment", "traefik"): {"status": "Healthy"}}), 99,
                 "Argo CD: traefik app Healthy", subresource=None)
    tl_event(99, traefik_app, "ResourceUpdated", "Updated health status: Progressing -> Healthy",
             component="argocd-application-controller")
    root_health("Healthy", after(100), "traefik", "Healthy", sec=100)
    tl_event(100, root, "ResourceUpdated", "Updated health status: Progressing -> Healthy",
             component="argocd-application-controller")
    ctl_log(100, "Reconciliation completed", "traefik", dedup_ms=0, diff_ms=6, git_ms=29, health_ms=2,
            live_ms=1, patch_ms=9, setop_ms=0, settings_ms=0, sync_ms=0, time_ms=52)

    # ---- periodic reconciliation of the other apps ----
    for i, name in enumerate(["monitoring", "cert-manager", "cnpg-operator"]):
        sec = 115 + 2 * i
        patch_status(apps[name], {"reconciledAt": iso(after(sec))}, sec,
                     "Argo CD periodic reconciliation" if i == 0 else None, subresource=None)
        ctl_log(sec, "Reconciliation completed", name, dedup_ms=0, diff_ms=9 + i, git_ms=41 + 7 * i,
                health_ms=1, live_ms=2, patch_ms=8, setop_ms=0, settings_ms=0, sync_ms=0,
                time_ms=70 + 9 * i)
    TIMELINE.sort(key=lambda item: item[0])  # stable: keeps the order within one offset
    return [e for _, e in TIMELINE]


# ---- Container logs ------------------------------------------------------------------------

def stamp(t: dt.datetime, text: str) -> str:
    """A log line as the kubelet stores it: its own RFC 3339 time (read shortly after the
    application wrote the line), a space, the line."""
    read = t + dt.timedelta(microseconds=num(40, 1900, "kubelet-delay", iso_micro(t), text))
    return f"{iso_nano(read, text)} {text}"


def jit(t: dt.datetime, *salt) -> dt.datetime:
    """Sub-second jitter for times generated on whole seconds."""
    return t + dt.timedelta(microseconds=num(1000, 998000, "jitter", iso_micro(t), *salt))


def argo_line(t, level, msg, **fields):
    extra = "".join(f" {k}={json.dumps(v) if isinstance(v, str) and (' ' in v or '=' in v or not v) else v}"
                    for k, v in fields.items())
    return stamp(t, f'time="{iso(t)}" level={level} msg="{msg}"{extra}')


def keycloak_time(t):
    return t.strftime("%Y-%m-%d %H:%M:%S,") + f"{t.microsecond // 1000:03d}"


def keycloak_startup_lines(ip):
    """(offset seconds, line) of a keycloak container starting at offset 40s."""
    out = []
    bitnami = ["", "Welcome to the Bitnami keycloak container",
               "Subscribe to project updates by watching https://github.com/bitnami/containers",
               "** Starting keycloak setup **", "Validating settings in KEYCLOAK_* env vars...",
               "Trying to connect to PostgreSQL server keycloak-db-rw...",
               "Found PostgreSQL server listening at keycloak-db-rw:5432",
               "Configuring database settings", "Enabling statistics", "Enabling health endpoints",
               "Configuring http settings", "Configuring hostname settings", "Configuring cache count",
               "Configuring log level", "Configuring proxy", "** keycloak setup finished! **",
               "** Starting keycloak **"]
    for i, msg in enumerate(bitnami):
        t = after(40.2 + 0.04 * i)
        out.append((40.2 + 0.04 * i, f"keycloak {t.strftime('%H:%M:%S')}.{t.microsecond // 10000:02d} "
                                     f"INFO  ==> {msg}".rstrip()))
    out.append((41.0, "Appending additional Java properties to JAVA_OPTS"))
    quarkus = [
        (49.8, "INFO  [org.keycloak.quarkus.runtime.storage.infinispan.CacheManagerFactory] (main) Starting Infinispan embedded cache manager"),
        (51.2, "INFO  [org.infinispan.CONTAINER] (Thread-5) ISPN000556: Starting user marshaller 'org.infinispan.commons.marshall.ImmutableProtoStreamMarshaller'"),
        (53.6, "INFO  [org.infinispan.CLUSTER] (main) ISPN000078: Starting JGroups channel `ISPN` with stack `kubernetes`"),
        (54.9, "INFO  [org.infinispan.CLUSTER] (main) ISPN000094: Received new cluster view for channel ISPN: [keycloak-1-38211|7] (2) [keycloak-1-38211, keycloak-0-51474]"),
        (55.0, f"INFO  [org.infinispan.CLUSTER] (main) ISPN000079: Channel `ISPN` local address is `keycloak-0-51474`, physical addresses are `[{ip}:7800]`"),
        (57.9, "INFO  [org.infinispan.CLUSTER] (jgroups-5,keycloak-0-51474) [Context=authenticationSessions] ISPN100002: Starting rebalance with members [keycloak-1-38211, keycloak-0-51474], phase READ_OLD_WRITE_ALL, topology id 22"),
        (58.4, "INFO  [org.infinispan.CLUSTER] (jgroups-7,keycloak-0-51474) [Context=sessions] ISPN100010: Finished rebalance with members [keycloak-1-38211, keycloak-0-51474], topology id 22"),
        (61.7, "INFO  [org.keycloak.connections.infinispan.DefaultInfinispanConnectionProviderFactory] (main) Node name: keycloak-0-51474, Site name: null"),
        (64.3, "INFO  [org.keycloak.broker.provider.AbstractIdentityProviderMapper] (main) Registering class org.keycloak.broker.provider.mappersync.ConfigSyncEventListener"),
        (66.9, "INFO  [io.quarkus] (main) Keycloak 26.3.3 on JVM (powered by Quarkus 3.20.2.2) started in 25.871s. Listening on: http://0.0.0.0:8080. Management interface listening on http://0.0.0.0:9000."),
        (66.9, "INFO  [io.quarkus] (main) Profile prod activated."),
        (66.9, "INFO  [io.quarkus] (main) Installed features: [agroal, cdi, hibernate-orm, jdbc-postgresql, keycloak, micrometer, narayana-jta, opentelemetry, reactive-routes, rest, rest-jackson, smallrye-context-propagation, smallrye-health, vertx]"),
    ]
    for sec, msg in quarkus:
        out.append((sec, f"{keycloak_time(after(sec))} {msg}"))
    return out


def traefik_startup_lines(t0):
    msgs = ["INF Traefik version 3.5.3 built on 2025-09-26T15:38:50Z version=3.5.3",
            "INF Stats collection is disabled.",
            "INF Help us improve Traefik by turning this feature on :)",
            "INF More details on: https://doc.traefik.io/traefik/contributing/data-collection/",
            "INF Starting provider aggregator *aggregator.ProviderAggregator",
            "INF Starting provider *traefik.Provider",
            "INF Starting provider *ingress.Provider",
            'INF ingress label selector is: "" providerName=kubernetes',
            "INF Creating in-cluster Provider client providerName=kubernetes",
            "INF Starting provider *crd.Provider",
            'INF label selector is: "" providerName=kubernetescrd',
            "INF Creating in-cluster Provider client providerName=kubernetescrd",
            "INF Starting provider *acme.ChallengeTLSALPN"]
    out = []
    for i, m in enumerate(msgs):
        t = t0 + dt.timedelta(milliseconds=3 * i + (40 if i > 3 else 0))
        out.append(((t - RECORDED_AT).total_seconds(), f"{iso(t)} {m}"))
    return out


def monotonic(lines):
    """Makes the kubelet timestamps strictly increasing (lines logged within the same tick)."""
    out, prev = [], None
    for line in lines:
        ts, text = line.split(" ", 1)
        base = dt.datetime.strptime(ts[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=dt.timezone.utc)
        ns = int(base.timestamp()) * 10**9 + base.microsecond * 1000 + int(ts[26:29])
        if prev is not None and ns <= prev:
            ns = prev + num(1500, 90000, "mono", line)
        prev = ns
        t = dt.datetime.fromtimestamp(ns // 10**9, dt.timezone.utc)
        out.append(f"{t.strftime('%Y-%m-%dT%H:%M:%S')}.{ns % 10**9:09d}Z {text}")
    return out


def build_logs():
    logs = []

    def add_log(pod, container, lines, previous=None):
        lines = monotonic(lines)
        previous = monotonic(previous or [])
        m = pod["metadata"]
        entry = {"namespace": m["namespace"], "pod": m["name"], "container": container,
                 "lines": lines}
        if previous:
            entry["previous"] = previous
        logs.append(entry)

    # argocd-server: API calls of the console and the UI, memory stats.
    server = pod_of("argo", "argocd-server")
    lines = []
    calls = [("application.ApplicationService", "List"), ("application.ApplicationService", "Get"),
             ("application.ApplicationService", "ResourceTree"), ("project.ProjectService", "List"),
             ("application.ApplicationService", "ManagedResources"), ("version.VersionService", "Version"),
             ("settings.SettingsService", "Get"), ("cluster.ClusterService", "List")]
    t = ago(minutes=9, seconds=12)
    for i in range(24):
        service_, method = calls[num(0, len(calls) - 1, "call", i)]
        t = jit(t.replace(microsecond=0) + dt.timedelta(seconds=num(6, 40, "gap", i)), "srv", i)
        if i % 8 == 7:
            lines.append(argo_line(t, "info", f"Alloc={num(18000, 26000, 'alloc', i)} TotalAlloc="
                                   f"{num(90000000, 99000000, 'ta', i)} Sys={num(70000, 79000, 'sys', i)} "
                                   f"NumGC={4800 + i} Goroutines={num(150, 175, 'gor', i)}"))
            continue
        lines.append(argo_line(t, "info", "finished unary call with code OK", **{
            "grpc.code": "OK", "grpc.method": method, "grpc.service": service_,
            "grpc.start_time": iso(t), "grpc.time_ms": f"{num(2000, 48000, 'ms', i) / 1000:.3f}",
            "span.kind": "server", "system": "grpc"}))
    add_log(server, "server", lines)

    # application controller: reconciliation loop of the six apps.
    ctl = get("Pod", "argo", "argocd-application-controller-0")
    lines = []
    apps = [("monitoring", "monitoring"), ("cert-manager", "cert-manager"), ("traefik", "traefik"),
            ("cnpg-operator", "cnpg-system"), ("keycloak", "keycloak"), ("platform-root", "argo")]
    t = ago(minutes=4, seconds=30)
    for i, (app, dest) in enumerate(apps):
        t = jit(t.replace(microsecond=0) + dt.timedelta(seconds=num(20, 45, "rec", app)), "ctl", app)
        a = f"argo/{app}"
        step = iter(range(0, 10_000, 1))
        ms = num(25, 700, "helm", app)
        tick = lambda d=0: t + dt.timedelta(milliseconds=next(step) * 3 + d)
        lines.append(argo_line(tick(), "info", "Refreshing app status (controller refresh requested), level (1)",
                               application=a))
        lines.append(argo_line(tick(), "info", f"Comparing app state (cluster: {IN_CLUSTER}, namespace: {dest})",
                               application=a))
        lines.append(argo_line(tick(ms), "info", "GetRepoObjs stats", application=a, build_options_ms=0,
                               helm_ms=ms if app != "platform-root" else 0, plugins_ms=0, repo_ms=0,
                               time_ms=ms + 31, unmarshal_ms=29, version_ms=2))
        lines.append(argo_line(tick(ms + 40), "info", "Skipping auto-sync: application status is Synced",
                               application=a))
        lines.append(argo_line(tick(ms + 55), "info", "Update successful", application=a))
        lines.append(argo_line(tick(ms + 70), "info", "Reconciliation completed", application=a, dedup_ms=0,
                               **{"dest-name": "", "dest-namespace": dest, "dest-server": IN_CLUSTER},
                               diff_ms=num(3, 14, "diff", app), **{"fields.level": 1},
                               git_ms=ms + 31, health_ms=num(1, 4, "h", app), live_ms=2, patch_ms=12,
                               setop_ms=0, settings_ms=0, sync_ms=0, time_ms=ms + 70))
    add_log(ctl, "application-controller", lines)

    # argocd-repo-server: OOMKilled at 08:15:31 while rendering charts, restarted.
    repo = restarted_pod("argo", "argocd-repo-server")
    prev = []
    t = T_ROOT_SYNC - dt.timedelta(seconds=40)
    renders = [("platform-root", None), ("traefik", "traefik"), ("traefik", "traefik"),
               ("cnpg-operator", "cnpg"), ("monitoring", "kube-prometheus-stack"),
               ("monitoring", "kube-prometheus-stack"), ("cert-manager", "cert-manager")]
    for i, (app, rel) in enumerate(renders):
        t = jit(t.replace(microsecond=0) + dt.timedelta(seconds=num(2, 9, "repo-gap", i)), "repo", i)
        if rel is None:
            prev.append(argo_line(t, "info", f"git fetch origin --tags --force --prune", dir=f"/tmp/_argocd-repo/{make_uid('repo', 'gitops')}",
                                  execID=hexid(5, "exec", i), operation_name="exec git", time_ms=412.8))
            prev.append(argo_line(t, "info", f"git checkout --force {COMMIT_A}",
                                  dir=f"/tmp/_argocd-repo/{make_uid('repo', 'gitops')}",
                                  execID=hexid(5, "exec2", i), operation_name="exec git", time_ms=39.2))
            continue
        prev.append(argo_line(t, "info", "manifest cache miss", application=f"argo/{app}"))
        prev.append(argo_line(t + dt.timedelta(seconds=1), "info", "Trace",
                              args=f"[helm template . --name-template {rel} --namespace {dict(apps)[app]} --kube-version 1.31 --include-crds]",
                              dir=f"/tmp/{make_uid('helm', app, i)}", operation_name="exec helm",
                              time_ms=f"{num(400, 9000, 'helm-ms', i)}.{num(0, 9, 'd', i)}"))
    prev.append(argo_line(T_REPO_OOM - dt.timedelta(seconds=2), "info", "manifest cache miss",
                          application="argo/monitoring"))
    start = T_REPO_OOM + dt.timedelta(seconds=1, microseconds=412377)
    cur = [
        argo_line(start, "info", "ArgoCD Repository Server is starting", built="2025-10-14T20:03:26Z",
                  commit="8665140f96b9b0fd72e4c1f8ae0c9c5ee5f4a8e1", port=8081, version="v3.1.9+8665140"),
        argo_line(start, "info", "Generating self-signed TLS certificate for this session"),
        argo_line(start, "info", "Initializing GnuPG keyring at /app/config/gpg/keys"),
        argo_line(start, "info", "gpg --no-permission-warning --logger-fd 1 --batch --gen-key /tmp/gpg-key-recipe1873266341",
                  dir="", execID=hexid(5, "gpg"), operation_name="exec gpg", time_ms=1422.4),
        argo_line(start + dt.timedelta(seconds=2), "info", "Populating GnuPG keyring with keys from /app/config/gpg/source"),
        argo_line(start + dt.timedelta(seconds=2), "info", "Loaded 0 (and removed 0) keys from keyring"),
        argo_line(start + dt.timedelta(seconds=2), "info", "argocd-repo-server is listening on [::]:8081"),
        argo_line(start + dt.timedelta(seconds=2), "info", "Starting GPG sync watcher on directory '/app/config/gpg/source'"),
    ]
    t = start + dt.timedelta(seconds=20)
    for i, (app, dest) in enumerate(apps * 2):
        t = jit(t.replace(microsecond=0) + dt.timedelta(seconds=num(30, 200, "cur-gap", i)), "repo-cur", i)
        if t >= RECORDED_AT:
            break
        cur.append(argo_line(t, "info", "manifest cache hit", application=f"argo/{app}"))
    add_log(repo, "repo-server", cur, prev)

    # traefik: the two pods started during this morning's upgrade.
    for i in range(2):
        pod = pod_of("traefik", "traefik", i)
        started = at(pod["status"]["containerStatuses"][0]["state"]["running"]["startedAt"][:-1])
        lines = [stamp(after(sec), text) for sec, text in
                 traefik_startup_lines(started + dt.timedelta(milliseconds=180))]
        add_log(pod, "traefik", lines)

    # keycloak: steady state, and the container OOMKilled on 2026-10-29.
    kc0 = get("Pod", "keycloak", "keycloak-0")
    ip0 = kc0["status"]["podIP"]

    def kc_events(end, count, salt):
        """Keycloak event warnings (the default jboss-logging event listener logs errors)."""
        out = []
        t = end - dt.timedelta(minutes=40)
        for i in range(count):
            t += dt.timedelta(seconds=num(20, 190, salt, i))
            if t >= end:
                break
            t = jit(t, salt, i)
            common = ('realmId="b0f1c2d3-4e5f-4a6b-8c7d-9e0f1a2b3c4d", realmName="platform", '
                      'clientId="grafana", userId="{u}", sessionId="{s}", ipAddress="10.0.{o}.{p}"')
            kind = num(0, 4, salt, "kind", i)
            if kind <= 1:
                msg = ('WARN  [org.keycloak.events] (executor-thread-{n}) type="LOGIN_ERROR", ' + common +
                       ', error="invalid_user_credentials", auth_method="openid-connect", auth_type="code", '
                       f'redirect_uri="https://grafana.{DOMAIN}/login/generic_oauth", code_id="{{c}}", '
                       'username="ops-oncall", authSessionParentId="{c}", authSessionTabId="{tab}"')
            elif kind == 2:
                msg = ('WARN  [org.keycloak.events] (executor-thread-{n}) type="CODE_TO_TOKEN_ERROR", ' + common +
                       ', error="invalid_code", grant_type="authorization_code", code_id="{c}", '
                       'client_auth_method="client-secret"')
            else:
                msg = ('WARN  [org.keycloak.events] (executor-thread-{n}) type="REFRESH_TOKEN_ERROR", ' + common +
                       ', error="invalid_token", grant_type="refresh_token", client_auth_method="client-secret", '
                       'reason="Session not active"')
            user = make_uid("user", salt, i) if kind >= 2 else "null"
            msg = msg.format(n=num(1, 64, salt, "n", i), o=num(0, 95, salt, "o", i),
                             p=num(4, 250, salt, "p", i), c=make_uid("code", salt, i), u=user,
                             s=make_uid("session", salt, i) if kind >= 2 else "null",
                             tab=kname(11, "tab", salt, i))
            out.append(stamp(t, f"{keycloak_time(t)} {msg}"))
        return out

    kc0_cur = kc_events(RECORDED_AT, 30, "kc0")
    kc0_prev = kc_events(T_KC0_OOM - dt.timedelta(seconds=1), 26, "kc0-prev")
    blocked = jit(T_KC0_OOM - dt.timedelta(seconds=3), "blocked")
    kc0_prev.append(stamp(blocked, f"{keycloak_time(blocked)} WARN  [io.vertx.core.impl.BlockedThreadChecker] "
                                   "(vertx-blocked-thread-checker) Thread Thread[vert.x-eventloop-thread-1,5,main] "
                                   "has been blocked for 2891 ms, time limit is 2000 ms"))
    add_log(kc0, "keycloak", kc0_cur, kc0_prev)
    add_log(get("Pod", "keycloak", "keycloak-1"), "keycloak", kc_events(RECORDED_AT, 16, "kc1"))

    # keycloak-db-1: CNPG instance manager JSON logs.
    db1 = get("Pod", "keycloak", "keycloak-db-1")
    lines = []
    pg_start = at("2026-10-13T11:22:25")
    session_start = pg_start.strftime("%Y-%m-%d %H:%M:%S UTC")

    def pg(t, message, backend="checkpointer", pid="41", line=None):
        rec = {"log_time": t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d} UTC",
               "process_id": pid, "session_id": f"{int(pg_start.timestamp()):x}.{int(pid):x}",
               "session_line_num": str(line or num(1000, 9000, "sl", iso(t))),
               "session_start_time": session_start, "transaction_id": "0", "error_severity": "LOG",
               "sql_state_code": "00000", "message": message, "backend_type": backend, "query_id": "0"}
        return stamp(t, json.dumps({"level": "info", "ts": iso_nano(t, message), "logger": "postgres",
                                    "msg": "record", "logging_pod": "keycloak-db-1", "record": rec},
                                   separators=(",", ":"), ensure_ascii=False))

    def im(t, logger, msg, **fields):
        d = {"level": "info", "ts": iso_nano(t, msg)}
        if logger:
            d["logger"] = logger
        d["msg"] = msg
        d["logging_pod"] = "keycloak-db-1"
        d.update(fields)
        return stamp(t, json.dumps(d, separators=(",", ":"), ensure_ascii=False))

    t = at("2026-11-01T08:05:00.118309")
    lsn = 0x9A001288
    while t < RECORDED_AT:
        if t < T_IM_UPGRADED - dt.timedelta(seconds=5) <= t + dt.timedelta(minutes=5):
            u = T_IM_UPGRADED - dt.timedelta(seconds=1)
            lines.append(im(u, None, "Received request to upgrade the instance manager",
                            newHash=get("Cluster", "keycloak", "keycloak-db")["status"]["cloudNativePGOperatorHash"]))
            lines.append(im(u + dt.timedelta(milliseconds=850), "setup", "Starting CloudNativePG Instance Manager",
                            version="1.27.1", build={"Version": "1.27.1", "Commit": "0b1c6c2b",
                                                     "Date": "2025-10-23"}))
            lines.append(im(u + dt.timedelta(milliseconds=910), None, "Checking for free disk space for WALs before starting PostgreSQL",
                            controller="instance-cluster", controllerGroup="postgresql.cnpg.io",
                            controllerKind="Cluster", name="keycloak-db", namespace="keycloak"))
            lines.append(im(u + dt.timedelta(seconds=1), None, "Instance is still up and running, skipping the start of PostgreSQL",
                            controller="instance-cluster", name="keycloak-db", namespace="keycloak"))
        lines.append(pg(t, "checkpoint starting: time"))
        wrote = num(20, 140, "buf", iso(t))
        dist = num(180, 520, "dist", iso(t))
        done = t + dt.timedelta(seconds=5, milliseconds=num(400, 900, "cp", iso(t)))
        lines.append(pg(done, f"checkpoint complete: wrote {wrote} buffers ({wrote / 163.84:.1f}%); 0 WAL file(s) "
                        f"added, 0 removed, 1 recycled; write={(done - t).total_seconds() - 0.03:.3f} s, "
                        f"sync=0.004 s, total={(done - t).total_seconds():.3f} s; sync files={num(8, 30, 'sf', iso(t))}, "
                        f"longest=0.002 s, average=0.001 s; distance={dist} kB, estimate=402 kB; "
                        f"lsn=0/{lsn + dist * 1024 + 0x70:08X}, redo lsn=0/{lsn + dist * 1024:08X}"))
        lsn += dist * 1024
        lines.append(im(done + dt.timedelta(seconds=1), "wal-archive",
                        "Backup not configured, skip WAL archiving via Barman Cloud",
                        walName=f"pg_wal/00000001000000000000{(lsn >> 24):02X}", currentPrimary="keycloak-db-1",
                        targetPrimary="keycloak-db-1"))
        t += dt.timedelta(minutes=5)
    add_log(db1, "postgres", lines)

    # cert-manager controller (klog text format).
    cm = pod_of("cert-manager", "cert-manager-", 0)

    def klog(t, file_line, msg, **kv):
        extra = "".join(f" {k}={json.dumps(v)}" for k, v in kv.items())
        return stamp(t, f"I{t.strftime('%m%d %H:%M:%S.%f')}       1 {file_line}] {json.dumps(msg)}{extra}")

    t = at(cm["status"]["containerStatuses"][0]["state"]["running"]["startedAt"][:-1]) + dt.timedelta(milliseconds=514)
    ms = lambda n: t + dt.timedelta(milliseconds=n)
    ctl = {"logger": "cert-manager.controller"}
    acme = dict(ctl, related_resource_name="letsencrypt-prod-account-key",
                related_resource_namespace="cert-manager", related_resource_kind="Secret")
    lines = [
        klog(t, "controller.go:278", "configured acme dns01 nameservers",
             logger="cert-manager.controller.build-context", nameservers=["172.20.0.10:53"]),
        klog(ms(16), "controller.go:89", "enabled controllers: [certificaterequests-approver "
             "certificaterequests-issuer-acme certificaterequests-issuer-ca certificaterequests-issuer-selfsigned "
             "certificaterequests-issuer-vault certificaterequests-issuer-venafi certificates-issuing "
             "certificates-key-manager certificates-metrics certificates-readiness certificates-request-manager "
             "certificates-revision-manager certificates-trigger challenges clusterissuers "
             "ingress-shim issuers orders]", **ctl),
        klog(ms(17), "controller.go:435", "serving insecurely as tls certificate data not provided", **ctl),
        klog(ms(17), "controller.go:102", "listening for insecure connections", **ctl, address="0.0.0.0:9402"),
        klog(ms(18), "controller.go:183", "starting leader election", **ctl),
        klog(ms(18), "controller.go:129", "starting metrics server", **ctl, address="[::]:9402"),
        klog(ms(18), "controller.go:175", "starting healthz server", **ctl, address="[::]:9403"),
        stamp(ms(18), f"I{ms(18).strftime('%m%d %H:%M:%S.%f')}       1 leaderelection.go:257] "
                      "attempting to acquire leader lease kube-system/cert-manager-controller..."),
        stamp(ms(130), f"I{ms(130).strftime('%m%d %H:%M:%S.%f')}       1 leaderelection.go:271] "
                       "successfully acquired lease kube-system/cert-manager-controller"),
    ]
    for i, c in enumerate(["certificates-trigger", "certificates-issuing", "certificates-readiness",
                           "clusterissuers", "orders", "challenges", "ingress-shim"]):
        lines.append(klog(ms(136 + i), "controller.go:232", "starting controller", **ctl, controller=c))
    lines.append(klog(T_TRAEFIK + dt.timedelta(seconds=7), "setup.go:208",
                      "skipping re-verifying ACME account as cached registration details look sufficient", **acme))
    for i, (ns, name) in enumerate([("keycloak", "keycloak-tls"), ("monitoring", "grafana-tls")]):
        lines.append(klog(T_KC + dt.timedelta(minutes=2, seconds=3 + i), "controller.go:152",
                          "re-queuing item due to optimistic locking on resource",
                          logger="cert-manager.controller", key=f"{ns}/{name}",
                          error=f'Operation cannot be fulfilled on certificates.cert-manager.io "{name}": the '
                                "object has been modified; please apply your changes to the latest version and try again"))
    lines.append(klog(T_TRAEFIK_SYNC + dt.timedelta(seconds=1), "setup.go:208",
                      "skipping re-verifying ACME account as cached registration details look sufficient", **acme))
    lines.sort()
    add_log(cm, "cert-manager-controller", lines)

    # cnpg operator: started by this morning's upgrade, online-upgrades the instance managers.
    op = pod_of("cnpg-system", "cnpg-controller-manager")
    t = at(op["status"]["containerStatuses"][0]["state"]["running"]["startedAt"][:-1])
    new_hash = get("Cluster", "keycloak", "keycloak-db")["status"]["cloudNativePGOperatorHash"]
    old_hash = hexid(64, "cnpg-operator-hash", "1.27.0")

    def zap(t, logger, msg, **fields):
        d = {"level": "info", "ts": t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}Z"}
        if logger:
            d["logger"] = logger
        d["msg"] = msg
        d.update(fields)
        return stamp(t, json.dumps(d, separators=(",", ":"), ensure_ascii=False))

    ctx = {"controller": "cluster", "controllerGroup": "postgresql.cnpg.io", "controllerKind": "Cluster",
           "Cluster": {"name": "keycloak-db", "namespace": "keycloak"}, "namespace": "keycloak",
           "name": "keycloak-db"}
    lines = [
        zap(t, "setup", "Starting CloudNativePG Operator", version="1.27.1",
            build={"Version": "1.27.1", "Commit": "0b1c6c2b", "Date": "2025-10-23"}),
        zap(t + dt.timedelta(milliseconds=12), "setup", "Listening for changes on all namespaces"),
        zap(t + dt.timedelta(milliseconds=90), "setup", "Loading configuration from ConfigMap",
            namespace="cnpg-system", name="cnpg-controller-manager-config"),
        zap(t + dt.timedelta(milliseconds=410), None, "starting server", name="health probe",
            addr="[::]:9443"),
        zap(t + dt.timedelta(milliseconds=430), None, "attempting to acquire leader lease cnpg-system/db9c8771.cnpg.io..."),
        zap(T_CNPG_SYNC + dt.timedelta(seconds=19), None, "successfully acquired lease cnpg-system/db9c8771.cnpg.io"),
    ]
    t2 = T_CNPG_SYNC + dt.timedelta(seconds=19)
    for c in ["cluster", "backup", "scheduledbackup", "pooler", "plugin", "database", "publication",
              "subscription"]:
        lines.append(zap(t2 + dt.timedelta(milliseconds=5), None, "Starting Controller", controller=c))
    for i, pname in enumerate(["keycloak-db-3", "keycloak-db-2", "keycloak-db-1"]):
        tt = T_IM_UPGRADED - dt.timedelta(seconds=9 - 4 * i)
        rid = make_uid("reconcile", pname)
        lines.append(zap(tt - dt.timedelta(milliseconds=600), None, "Upgrading instance manager",
                         **ctx, reconcileID=rid, pod=pname, oldHash=old_hash, newHash=new_hash))
        lines.append(zap(tt, None, f"Instance manager has been upgraded on {pname} (oldHash: "
                         f"{old_hash[:6]} — newHash: {new_hash[:6]})", **ctx, reconcileID=rid))
    lines.append(zap(T_IM_UPGRADED + dt.timedelta(seconds=1), None, "Cluster is healthy", **ctx,
                     reconcileID=make_uid("reconcile", "healthy")))
    add_log(op, "manager", lines)

    for entry in logs:
        for key in ("lines", "previous"):
            stamps = [line.split(" ", 1)[0] for line in entry.get(key, [])]
            assert stamps == sorted(stamps), (entry["pod"], key)
            assert all(s < iso_nano(RECORDED_AT) or s.startswith("2026-11-01T09:00:00") for s in stamps)
    return logs


# --------------------------------------------------------------------------------------
# Assembly, consistency checks and output
# --------------------------------------------------------------------------------------

DESCRIPTION = (
    "EKS cluster platform-prod (eu-west-1) of the seed runbooks: node groups infra x3, apps x3 "
    "and database x2 (tainted workload-type=database) over three zones; Argo CD in namespace "
    "argo with the app of apps platform-root (monitoring -10, cert-manager -5, traefik -2, "
    "cnpg-operator -1, keycloak 0) and helm-secrets with an age key; CloudNativePG cluster "
    "keycloak-db (3 instances on 2 database nodes). Timeline: keycloak-0 OOMKilled and back, "
    "Argo CD health and reconciliation updates, a traefik pod replaced in another zone."
)


AWS_ACCOUNT = "123456789012"  # the documentation account: obviously not a real one
SUBNET_IDS = {z: f"subnet-0{hexid(16, 'subnet', z)}" for z in ZONES}
T_EKS_CREATED = at("2026-10-13T09:52:40")


def build_eks() -> dict:
    """The recorded EKS answers: DescribeCluster and DescribeNodegroup of platform-prod."""
    fake_ca = ("-----BEGIN CERTIFICATE-----\nU0FOREJPWCBGQUtFIENBIC0gbm90IGEgcmVhbCBjZXJ0aWZpY2F0ZQ==\n"
               "-----END CERTIFICATE-----\n")
    cluster_sg = f"sg-0{hexid(16, 'cluster-sg')}"
    cluster = {
        "name": CLUSTER,
        "arn": f"arn:aws:eks:{REGION}:{AWS_ACCOUNT}:cluster/{CLUSTER}",
        "createdAt": iso(T_EKS_CREATED),
        "version": K8S_VERSION[1:5],
        "endpoint": f"https://{hexid(32, 'endpoint').upper()}.gr7.{REGION}.eks.amazonaws.com",
        "roleArn": f"arn:aws:iam::{AWS_ACCOUNT}:role/{CLUSTER}-cluster-20261013094802219300000001",
        "resourcesVpcConfig": {
            "subnetIds": list(SUBNET_IDS.values()),
            "securityGroupIds": [f"sg-0{hexid(16, 'additional-sg')}"],
            "clusterSecurityGroupId": cluster_sg,
            "vpcId": f"vpc-0{hexid(16, 'vpc')}",
            "endpointPublicAccess": True,
            "endpointPrivateAccess": True,
            "publicAccessCidrs": ["0.0.0.0/0"],
        },
        "kubernetesNetworkConfig": {"serviceIpv4Cidr": "172.20.0.0/16", "ipFamily": "ipv4",
                                    "elasticLoadBalancing": {"enabled": False}},
        "logging": {"clusterLogging": [
            {"types": ["api", "audit", "authenticator"], "enabled": True},
            {"types": ["controllerManager", "scheduler"], "enabled": False}]},
        "identity": {"oidc": {"issuer": f"https://oidc.eks.{REGION}.amazonaws.com/id/{hexid(32, 'oidc').upper()}"}},
        "status": "ACTIVE",
        "certificateAuthority": {"data": b64(fake_ca)},
        "platformVersion": "eks.38",
        "tags": {"Environment": "prod", "ManagedBy": "terraform", "Project": "platform"},
        "health": {"issues": []},
        "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"},
        "upgradePolicy": {"supportType": "EXTENDED"},
    }
    groups = []
    scaling = {"infra": (2, 3, 6), "apps": (2, 3, 6), "database": (2, 2, 3)}
    for pool, p in POOLS.items():
        nodes = BY_POOL[pool]
        ng_uid = make_uid("nodegroup", pool)
        created = min(n.joined for n in nodes) - dt.timedelta(minutes=2, seconds=40)
        lo, desired, hi = scaling[pool]
        ng = {
            "nodegroupName": pool,
            "nodegroupArn": f"arn:aws:eks:{REGION}:{AWS_ACCOUNT}:nodegroup/{CLUSTER}/{pool}/{ng_uid}",
            "clusterName": CLUSTER,
            "version": K8S_VERSION[1:5],
            "releaseVersion": "1.31.4-20250203",
            "createdAt": iso(created),
            "modifiedAt": iso(created + dt.timedelta(minutes=3, seconds=12)),
            "status": "ACTIVE",
            "capacityType": "ON_DEMAND",
            "scalingConfig": {"minSize": lo, "maxSize": hi, "desiredSize": desired},
            "instanceTypes": [p["instance"]],
            "subnets": [SUBNET_IDS[z] for z in sorted({n.zone for n in nodes})],
            "amiType": "AL2023_x86_64_STANDARD",
            "nodeRole": f"arn:aws:iam::{AWS_ACCOUNT}:role/{pool}-eks-node-group-20261013094802219300000003",
            "labels": {"workload-type": pool},
            "resources": {"autoScalingGroups": [{"name": f"eks-{pool}-{ng_uid}"}]},
            "health": {"issues": []},
            "updateConfig": {"maxUnavailable": 1},
            "launchTemplate": {"name": f"{pool}-20261013101503581900000005", "version": "1", "id": p["lt"]},
            "tags": {"Environment": "prod", "ManagedBy": "terraform", "Project": "platform"},
        }
        if pool == "database":
            ng["taints"] = [{"key": "workload-type", "value": "database", "effect": "NO_SCHEDULE"}]
        groups.append(ng)
    return {"clusters": [cluster], "nodegroups": groups}


# --------------------------------------------------------------------------------------
# Prometheus: raw series behind the built-in dashboards and the panes' queries
# --------------------------------------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent
PROM_VERSION = "3.7.3"  # the Prometheus custom resource's spec.version
RATE_INTERVAL = "1m"  # the console's $__rate_interval at a 15 s step with 15 s scrapes
GIB = 2**30


def off(t: dt.datetime) -> int:
    return int((t - RECORDED_AT).total_seconds())


def wobble(t, *key, scale=1.0) -> float:
    """Deterministic noise in [-scale, scale]."""
    return (num(0, 20000, "noise", t, *key) / 10000 - 1) * scale


def bump(t, center, width, height) -> float:
    """A smooth pulse of `height` at `center`, `width` seconds wide (Gaussian)."""
    d = (t - center) / width
    return height * math.exp(-d * d) if abs(d) < 4 else 0.0


def between(t, lo, hi) -> bool:
    return lo <= t < hi


def day(t) -> float:
    """0 at night, 1 in office hours (recordedAt is 09:00 UTC, 10:00 in the office)."""
    hour = 9 + t / 3600
    return min(1.0, max(0.0, (hour - 6.5) / 2.0))


O_SYNC = off(T_ROOT_SYNC)
O_TRAEFIK_SYNC = off(T_TRAEFIK_SYNC)
O_CNPG_SYNC = off(T_CNPG_SYNC)
O_REPO_OOM = off(T_REPO_OOM)
O_IM = off(T_IM_UPGRADED)
O_PUSH = off(T_PUSH)


class PromModel:
    """Per-node and per-instance values over time, derived from the recording's objects."""

    def __init__(self, rec: dict):
        objs = rec["objects"]
        self.pods = [o for o in objs if o["kind"] == "Pod"]
        pod = {(p["metadata"]["namespace"], p["metadata"]["name"]): p for p in self.pods}
        self.node_of = {k: p["spec"]["nodeName"] for k, p in pod.items()}
        self.kc_node = self.node_of[("keycloak", "keycloak-0")]
        oom = [p for p in self.pods if p["metadata"]["name"].startswith("argocd-repo-server")
               and p["status"]["containerStatuses"][0].get("lastState", {}).get("terminated", {})
               .get("reason") == "OOMKilled"]
        self.repo_oom_node = oom[0]["spec"]["nodeName"]
        self.ctrl_node = self.node_of[("argo", "argocd-application-controller-0")]
        traefik_new = [e["apply"] for e in rec["timeline"] if "apply" in e
                       and e["apply"]["kind"] == "Pod" and e["apply"]["metadata"]["namespace"] == "traefik"]
        self.traefik_node = traefik_new[0]["spec"]["nodeName"]
        self.db_pods = {p["metadata"]["name"]: p for p in self.pods
                        if p["metadata"]["labels"].get("cnpg.io/cluster") == "keycloak-db"}
        self.ne_pod = {p["spec"]["nodeName"]: p["metadata"]["name"] for p in self.pods
                       if p["metadata"]["name"].startswith("kube-prometheus-stack-prometheus-node-exporter-")}
        self.ksm = next(p for p in self.pods if "kube-state-metrics" in p["metadata"]["name"])
        self.ctrl = pod[("argo", "argocd-application-controller-0")]
        self.apps = sorted((o for o in objs if o["kind"] == "Application"), key=lambda a: a["metadata"]["name"])
        self.nodes = NODES
        self.requests = {}
        for p in self.pods:
            ns = p["metadata"]["namespace"]
            cpu = sum(cpu_milli(c["resources"].get("requests", {}).get("cpu", "0"))
                      for c in p["spec"]["containers"])
            self.requests[ns] = self.requests.get(ns, 0) + cpu / 1000

    # ---- nodes
    def cores(self, n: Node) -> int:
        return int(POOLS[n.pool]["cpu"])

    def mem_total(self, n: Node) -> int:
        return quantity(POOLS[n.pool]["mem"])

    def cpu_busy(self, n: Node, t: int) -> float:
        base = {"infra": 0.2, "apps": 0.15, "database": 0.1}[n.pool] * (0.7 + 0.45 * day(t))
        base += 0.025 * math.sin(t / 1900 + num(0, 628, "phase", n.name) / 100)
        base += wobble(t, "cpu", n.name, scale=0.02)
        if n.pool == "infra":  # the 08:15 sync: manifests rendered, charts pulled
            base += bump(t, O_TRAEFIK_SYNC + 20, 45, 0.3 if n.name == self.repo_oom_node else 0.14)
        if n.name == self.ctrl_node:
            base += bump(t, O_SYNC + 30, 60, 0.12)
        if n.pool == "database":  # CNPG instance managers upgraded online
            base += bump(t, O_IM, 40, 0.22)
        if n.name == self.kc_node:  # keycloak-0: GC thrash before the OOM, JVM start after
            base += 0.1 * max(0.0, min(1.0, (t + 900) / 920)) if t < 20 else 0.0
            base += bump(t, 55, 16, 0.5)
        if n.name == self.traefik_node:
            base += bump(t, 94, 5, 0.08)
        return min(0.98, max(0.02, base))

    def mem_used(self, n: Node, t: int) -> float:
        frac = {"infra": 0.52, "apps": 0.41, "database": 0.63}[n.pool]
        frac += 0.012 * math.sin(t / 5400 + num(0, 628, "mphase", n.name) / 100)
        frac += wobble(t, "mem", n.name, scale=0.004)
        used = frac * self.mem_total(n)
        if n.name == self.kc_node:  # keycloak-0 leaks towards its 1536Mi limit, OOM at 20 s
            if -1800 <= t < 20:
                used += 1.05 * GIB * (t + 1800) / 1820
            elif 20 <= t < 40:
                used -= 0.45 * GIB
            elif 40 <= t < 75:
                used += (-0.45 + 0.7 * (t - 40) / 35) * GIB
            elif t >= 75:
                used += 0.25 * GIB
        if n.name == self.repo_oom_node and O_SYNC - 30 <= t < O_REPO_OOM:
            used += 0.9 * GIB * (t - O_SYNC + 30) / (O_REPO_OOM - O_SYNC + 30)
        return used

    # ---- pods and apps
    def pods_running(self, t: int) -> int:
        return len(self.pods) - (1 if between(t, 90, 97) else 0)

    def progressing(self, t: int) -> list:
        """Names of the Applications Progressing at t."""
        out = []
        for name, lo, hi in [("traefik", O_TRAEFIK_SYNC, off(T_TRAEFIK_HEALTHY)),
                             ("cnpg-operator", O_CNPG_SYNC, off(T_CNPG_HEALTHY)),
                             ("platform-root", O_SYNC, off(T_ROOT_DONE)),
                             ("keycloak", 22, 72), ("platform-root", 23, 73),
                             ("traefik", 91, 99), ("platform-root", 92, 100)]:
            if between(t, lo, hi) and name not in out:
                out.append(name)
        return out

    def out_of_sync(self, t: int) -> int:
        return (1 if between(t, O_PUSH, O_SYNC) else 0) + (1 if between(t, O_SYNC, O_TRAEFIK_SYNC) else 0) \
            + (1 if between(t, O_SYNC, O_CNPG_SYNC) else 0)

    def sync_rate(self, t: int) -> float:
        syncs = [O_SYNC, O_TRAEFIK_SYNC, O_CNPG_SYNC]
        return sum(1 for s in syncs if t - 60 < s <= t) / 60

    def reconcile_p95(self, t: int) -> float:
        v = 0.16 + wobble(t, "reconcile", scale=0.04) + 0.03 * day(t)
        return v + bump(t, O_SYNC + 20, 40, 2.2) + bump(t, 25, 10, 0.6) + bump(t, 93, 6, 0.45)

    # ---- CNPG
    def lag(self, pod: str, t: int) -> float:
        if self.db_pods[pod]["metadata"]["labels"].get("cnpg.io/instanceRole") == "primary":
            return 0.0
        same_node = self.db_pods[pod]["spec"]["nodeName"] == self.db_pods["keycloak-db-1"]["spec"]["nodeName"]
        v = (0.03 if same_node else 0.06) + abs(wobble(t, "lag", pod, scale=0.04))
        v += bump(t % 1800, 1500, 40, 0.9 if same_node else 1.6)  # checkpoints every 30 min
        v += bump(t, O_IM + 8, 20, 4.2 if same_node else 7.5)  # instance manager upgrade
        v += bump(t, 30, 12, 0.4)  # keycloak reconnect storm after the OOM
        return max(0.0, v)

    def collector_up(self, pod: str, t: int) -> int:
        return 0 if between(t, O_IM - 5, O_IM + 10) and pod != "keycloak-db-1" else 1

    def wal_files(self, pod: str, t: int) -> int:
        return 17 + int((t + 21600) % 1800 / 300) + num(0, 2, "wal", pod)


def prom_num(v):
    """Sample values as written: integers stay integers, the rest keeps 4 decimals."""
    v = round(v, 4)
    return int(v) if v == int(v) else v


# Raw series are scraped every SCRAPE s over SAMPLE_GRID; the model's noisy values change
# only at KNOTS (5 min in old history, 1 min in the last hour, 15 s around this morning's
# sync and the replayed timeline), so that a series is a few runs, not 1,561 samples.
SCRAPE = 15
SAMPLE_GRID = list(range(-6 * 3600, 1800 + 1, SCRAPE))
KNOTS = sorted(set(range(-6 * 3600, -3600, 300)) | set(range(-3600, 1800 + 1, 60))
               | set(range(-2760, -2520, 15)) | set(range(-120, 240 + 1, 15)))


def knot(t: int) -> int:
    """The knot at or before t."""
    return KNOTS[bisect.bisect_right(KNOTS, t) - 1]


def held(fn):
    """A gauge that keeps the model's value at the last knot."""
    return lambda t: fn(knot(t))


def counter(rate_fn, start: float):
    """A counter growing at rate_fn (per second, read at knots) from `start`."""
    values, c = {}, start
    for t in SAMPLE_GRID:
        values[t] = c
        c += rate_fn(knot(t)) * SCRAPE
    return lambda t: values[t]


def raw_samples(fn) -> list:
    """[offset, value] samples and [offset, value, count, delta] runs over SAMPLE_GRID (the
    section's scrapeInterval apart); None ends the series with a staleness marker."""
    out, run = [], None  # run: [t0, v0, n, dv] with exact floats

    def flush():
        if run is None:
            return
        t0, v0, n, dv = run
        out.append([t0, prom_num(v0)] if n == 1 else [t0, prom_num(v0), n, prom_num(dv)])

    last_t = None
    for t in SAMPLE_GRID:
        v = fn(t)
        if v is None:
            if run is not None:
                flush()
                out.append([t, "stale"])
                run = None
            continue
        if run is not None and last_t == t - SCRAPE:
            t0, v0, n, dv = run
            d = v - (v0 + dv * (n - 1))
            if n == 1:
                run = [t0, v0, 2, d]
                last_t = t
                continue
            if abs(d - dv) <= 1e-9 * max(1.0, abs(dv)) and round(v0 + dv * n, 4) == round(v, 4):
                run[2] += 1
                last_t = t
                continue
        flush()
        run = [t, v, 1, 0.0]
        last_t = t
    flush()
    return out


def expand_expr(expr: str, values: dict) -> str:
    """template.rs `expand` for what the built-in dashboards use."""
    def sub(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name == "__rate_interval":
            return RATE_INTERVAL
        return values.get(name, m.group(0))
    return re.sub(r"\$\{(\w+)\}|\$(\w+)|\[\[(\w+)\]\]", sub, expr)


def dashboard_targets(overrides=None) -> list:
    """(dashboard, panel title, expr) of every built-in target, variables at their defaults
    (`all` is `.*`) or as `overrides` set them for the dashboards that have them."""
    import tomllib
    out = []
    for path in sorted((REPO / "dashboards").glob("*.toml")):
        d = tomllib.loads(path.read_text())
        names = {v["name"] for v in d.get("variable", [])}
        if overrides is not None and not names & set(overrides):
            continue
        values = {v["name"]: ".*" if v.get("default", "all") == "all" else v["default"]
                  for v in d.get("variable", [])}
        values.update({k: v for k, v in (overrides or {}).items() if k in names})
        for p in d["panel"]:
            for t in p["target"]:
                out.append((path.stem, p["title"], expand_expr(t["expr"], values)))
    return out


def dashboard_variables() -> list:
    import tomllib
    out = []
    for path in sorted((REPO / "dashboards").glob("*.toml")):
        for v in tomllib.loads(path.read_text()).get("variable", []):
            m = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", v["query"])
            if not m:
                raise SystemExit(f"{path.name}: variable {v['name']}: unsupported query {v['query']!r}")
            out.append((m.group(1), m.group(2)))
    return out


def pane_queries() -> list:
    text = (REPO / "src" / "domain" / "dashboard" / "panes.rs").read_text()
    found = dict(re.findall(r'pub const (\w+): &str =\s*r#"(.*?)"#;', text))
    names = re.search(r"pub const ALL: &\[&str\] = &\[(.*?)\];", text).group(1)
    return [(n.strip(), found[n.strip()]) for n in names.split(",") if n.strip()]


def build_prometheus(rec: dict) -> dict:
    m = PromModel(rec)
    inst = lambda n: f"{n.ip}:9100"
    by_name = {n.name: n for n in m.nodes}
    ne_labels = lambda n: {"container": "node-exporter", "endpoint": "http-metrics", "instance": inst(n),
                           "job": "node-exporter", "namespace": "monitoring", "pod": m.ne_pod[n.name],
                           "service": "kube-prometheus-stack-prometheus-node-exporter"}
    ksm = {"container": "kube-state-metrics", "endpoint": "http",
           "instance": f"{m.ksm['status']['podIP']}:8080", "job": "kube-state-metrics",
           "namespace": "monitoring", "pod": m.ksm["metadata"]["name"],
           "service": "kube-prometheus-stack-kube-state-metrics"}
    kubelet = lambda n: {"endpoint": "https-metrics", "instance": f"{n.ip}:10250", "job": "kubelet",
                         "metrics_path": "/metrics/cadvisor", "namespace": "kube-system",
                         "service": "kube-prometheus-stack-kubelet"}
    db_pod_labels = lambda pod: {
        "cluster": "keycloak-db", "container": "postgres", "endpoint": "metrics",
        "instance": f"{m.db_pods[pod]['status']['podIP']}:9187", "job": "keycloak/keycloak-db",
        "namespace": "keycloak", "pod": pod}
    replicas = [p for p in sorted(m.db_pods) if m.db_pods[p]["metadata"]["labels"]["cnpg.io/instanceRole"] != "primary"]
    primary = next(p for p in sorted(m.db_pods) if p not in replicas)
    series = []

    def add(name, labels, fn):
        samples = raw_samples(fn)
        if samples:
            series.append({"metric": sort_keys(dict(labels, __name__=name)), "samples": samples})

    # ---- node-exporter: CPU seconds per CPU and mode, memory
    for n in sorted(m.nodes, key=inst):
        for cpu in range(m.cores(n)):
            lab = dict(ne_labels(n), cpu=str(cpu))
            base = 4.0e5 + num(0, 200000, "cpu-start", n.name, cpu)
            add("node_cpu_seconds_total", dict(lab, mode="idle"),
                counter(lambda t, n=n: 1 - m.cpu_busy(n, t), base))
            add("node_cpu_seconds_total", dict(lab, mode="user"),
                counter(lambda t, n=n: m.cpu_busy(n, t), base / 9))
    for n in sorted(m.nodes, key=inst):
        add("node_memory_MemTotal_bytes", ne_labels(n), lambda t, n=n: m.mem_total(n))
        add("node_memory_MemAvailable_bytes", ne_labels(n),
            held(lambda t, n=n: int(m.mem_total(n) - m.mem_used(n, t))))

    # ---- kube-state-metrics. kube_node_labels carries the node exporter's address as
    # `instance` (the scrape relabels it) so that the node-pool dashboard's `on (instance)`
    # join works.
    for n in sorted(m.nodes, key=lambda n: n.name):
        add("kube_node_labels", dict(ksm, instance=inst(n), label_eks_amazonaws_com_nodegroup=n.pool,
                                     label_node_kubernetes_io_instance_type=POOLS[n.pool]["instance"],
                                     label_topology_kubernetes_io_zone=ZONES[n.zone],
                                     label_workload_type=n.pool, node=n.name), lambda t: 1)
        for status in ("true", "false", "unknown"):
            add("kube_node_status_condition", dict(ksm, condition="Ready", node=n.name, status=status),
                lambda t, status=status: 1 if status == "true" else 0)
    victim = next(e["delete"] for e in rec["timeline"] if "delete" in e and e["delete"].get("kind") == "Pod"
                  and e["delete"].get("namespace") == "traefik")
    victim_name = victim["name"]
    new_pod = next(e["apply"] for e in rec["timeline"] if "apply" in e and e["apply"]["kind"] == "Pod"
                   and e["apply"]["metadata"]["namespace"] == "traefik")
    pods = [(p, None, None) for p in m.pods if p["metadata"]["name"] != victim_name]
    pods.append((next(p for p in m.pods if p["metadata"]["name"] == victim_name), None, 90))
    pods.append((new_pod, 90, None))
    pods.sort(key=lambda x: (x[0]["metadata"]["namespace"], x[0]["metadata"]["name"]))

    def alive(t, since, until):
        return (since is None or t >= since) and (until is None or t < until)

    for p, since, until in pods:
        md = p["metadata"]
        lab = dict(ksm, namespace=md["namespace"], pod=md["name"], uid=md["uid"])
        for phase in ("Failed", "Pending", "Running", "Succeeded", "Unknown"):
            def phase_value(t, phase=phase, since=since, until=until):
                if not alive(t, since, until):
                    return None
                now = "Pending" if since is not None and t < since + 7 else "Running"
                return 1 if phase == now else 0
            add("kube_pod_status_phase", dict(lab, phase=phase), phase_value)
        for c in p["spec"]["containers"]:
            cpu = c["resources"].get("requests", {}).get("cpu")
            if cpu:
                add("kube_pod_container_resource_requests",
                    dict(lab, container=c["name"], node=p["spec"]["nodeName"], resource="cpu", unit="core"),
                    lambda t, v=cpu_milli(cpu) / 1000, since=since, until=until: v if alive(t, since, until) else None)

    # ---- cAdvisor (kubelet): container CPU and working set. On every node one container
    # (the busiest) carries the node's variation; the others use a steady share.
    by_node = {}
    for p, since, until in pods:
        for c in p["spec"]["containers"]:
            by_node.setdefault(p["spec"]["nodeName"], []).append((p, c, since, until))
    for node_name, entries in sorted(by_node.items()):
        n = by_node_obj = by_name[node_name]
        weight = lambda c: max(cpu_milli(c["resources"].get("requests", {}).get("cpu", "10m")), 10)
        busiest = max(entries, key=lambda e: (weight(e[1]), e[0]["metadata"]["name"], e[1]["name"]))
        total_w = sum(weight(c) for _, c, _, _ in entries)
        steady_cpu = lambda t, n=n: m.cpu_busy(n, -3 * 3600) * m.cores(n) * 0.86
        steady_mem = lambda t, n=n: m.mem_used(n, -3 * 3600) * 0.82
        for p, c, since, until in entries:
            md = p["metadata"]
            lab = dict(kubelet(n), container=c["name"], id=f"/kubepods/pod{md['uid']}/{c['name']}",
                       image=c["image"], name=container_id(md["name"], c["name"])[-64:],
                       node=node_name, pod=md["name"])
            lab["namespace"] = md["namespace"]
            share = weight(c) / total_w
            if (p, c) == (busiest[0], busiest[1]):
                others = 1 - share
                cpu_rate = lambda t, n=n, o=others: max(0.001, m.cpu_busy(n, t) * m.cores(n) * 0.86 - steady_cpu(t) * o)
                mem = lambda t, n=n, o=others: int(max(1e7, m.mem_used(n, t) * 0.82 - steady_mem(t) * o))
            else:
                cpu_rate = lambda t, s=share: steady_cpu(t) * s
                mem = lambda t, s=share: int(steady_mem(t) * s)
            start = 1000 + num(0, 50000, "cadvisor", md["name"], c["name"])
            cpu_counter = counter(cpu_rate, start)
            add("container_cpu_usage_seconds_total", dict(lab, cpu="total"),
                lambda t, f=cpu_counter, a=since, b=until: f(t) if alive(t, a, b) else None)
            mem_held = held(mem)
            add("container_memory_working_set_bytes", lab,
                lambda t, f=mem_held, a=since, b=until: f(t) if alive(t, a, b) else None)

    # ---- Argo CD application controller
    ctrl = {"container": "application-controller", "endpoint": "http-metrics",
            "instance": f"{m.ctrl['status']['podIP']}:8082", "job": "argocd-application-controller-metrics",
            "namespace": "argo", "pod": "argocd-application-controller-0",
            "service": "argocd-application-controller-metrics"}
    out_of_sync = lambda name, t: (name == "platform-root" and between(t, O_PUSH, O_SYNC)) or (
        name == "traefik" and between(t, O_SYNC, O_TRAEFIK_SYNC)) or (
        name == "cnpg-operator" and between(t, O_SYNC, O_CNPG_SYNC))
    for a in m.apps:
        name = a["metadata"]["name"]
        app = dict(ctrl, autosync_enabled="true", dest_namespace=a["spec"]["destination"]["namespace"],
                   dest_server=a["spec"]["destination"]["server"], name=name, operation="",
                   project=a["spec"]["project"], repo=a["spec"]["source"]["repoURL"])
        for health in ("Healthy", "Progressing"):
            for sync in ("Synced", "OutOfSync"):
                def info(t, name=name, health=health, sync=sync):
                    h = "Progressing" if name in m.progressing(t) else "Healthy"
                    s = "OutOfSync" if out_of_sync(name, t) else "Synced"
                    return 1 if (h, s) == (health, sync) else None
                add("argocd_app_info", dict(app, health_status=health, sync_status=sync), info)
        syncs = {"platform-root": O_SYNC, "traefik": O_TRAEFIK_SYNC, "cnpg-operator": O_CNPG_SYNC}
        base = 3 + num(0, 9, "syncs", name)
        add("argocd_app_sync_total", dict(ctrl, dest_server=a["spec"]["destination"]["server"], name=name,
                                          phase="Succeeded", project=a["spec"]["project"]),
            lambda t, at=syncs.get(name), b=base: b + (1 if at is not None and t >= at else 0))
    bounds = [0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    def cumulative(t, i):
        """Fraction of reconciliations at or below bounds[i] whose p95 is the model's."""
        x = m.reconcile_p95(t)
        j = next((k for k, b in enumerate(bounds) if x <= b), len(bounds) - 1)
        lo = bounds[j - 1] if j > 0 else 0.0
        w = (x - lo) / (bounds[j] - lo)
        c0 = max(0.0, (0.95 - w) / (1 - w)) if w < 0.95 else 0.0
        if i < j:
            return c0 * (i + 1) / j if j > 0 else c0
        return 1.0
    rate_total = 0.35
    for i, b in enumerate(bounds + [math.inf]):
        le = "+Inf" if b == math.inf else str(b)
        add("argocd_app_reconcile_bucket", dict(ctrl, dest_server=IN_CLUSTER, le=le),
            counter(lambda t, i=i: rate_total * (1.0 if i == len(bounds) else cumulative(t, i)),
                    5000 * (1.0 if i == len(bounds) else 0.9)))
    add("argocd_app_reconcile_count", dict(ctrl, dest_server=IN_CLUSTER), counter(lambda t: rate_total, 5000))

    # ---- CloudNativePG exporter
    for p in sorted(m.db_pods):
        lab = db_pod_labels(p)
        add("cnpg_collector_up", lab, held(lambda t, p=p: m.collector_up(p, t)))
        add("cnpg_pg_replication_lag", lab, held(lambda t, p=p: m.lag(p, t)))
        add("cnpg_pg_replication_streaming_replicas", lab,
            held(lambda t, p=p: sum(m.collector_up(r, t) for r in replicas) if p == primary else 0))
        add("cnpg_collector_pg_wal", dict(lab, value="count"), lambda t, p=p: m.wal_files(p, t))
    for r in replicas:
        add("cnpg_pg_stat_replication_replay_lag_seconds",
            dict(db_pod_labels(primary), application_name=r, client_addr=m.db_pods[r]["status"]["podIP"],
                 usename="streaming_replica"), held(lambda t, r=r: m.lag(r, t) * 0.92))

    series.sort(key=lambda s: (s["metric"]["__name__"], json.dumps(s["metric"], sort_keys=True)))
    return {
        "version": PROM_VERSION,
        "scrapeInterval": SCRAPE,
        "services": [
            {"namespace": "monitoring", "name": "prometheus-operated", "port": "http-web"},
            {"namespace": "monitoring", "name": "kube-prometheus-stack-prometheus", "port": "http-web"},
        ],
        "series": series,
    }


def check_prometheus(rec: dict, errors: list) -> None:
    prom = rec["prometheus"]
    by_key = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o for o in rec["objects"]}
    for s in prom["services"]:
        svc = by_key.get(("Service", s["namespace"], s["name"]))
        if svc is None or s["port"] not in [p.get("name") for p in svc["spec"]["ports"]]:
            errors.append(f"prometheus service {s['namespace']}/{s['name']}:{s['port']} is not in the objects")
    names = {s["metric"]["__name__"] for s in prom["series"]}
    wanted = [e for _, _, e in dashboard_targets()] + [e for _, e in pane_queries()]
    for expr in wanted:  # every metric a built-in query reads is recorded
        for metric in re.findall(r"\b([a-z_]+(?:_total|_bytes|_bucket|_info|_labels|_condition|_phase|_requests|_up|_lag|_replicas|_wal|_seconds))\b", expr):
            if metric not in names:
                errors.append(f"prometheus: no series {metric} for {expr}")
    for metric, label in dashboard_variables():
        if not any(s["metric"].get("__name__") == metric and s["metric"].get(label) for s in prom["series"]):
            errors.append(f"prometheus: no series for label_values({metric}, {label})")
    nodes = {n.name for n in NODES}
    pods = {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in rec["objects"] if o["kind"] == "Pod"}
    pods |= {(e["apply"]["metadata"]["namespace"], e["apply"]["metadata"]["name"]) for e in rec["timeline"]
             if "apply" in e and e["apply"]["kind"] == "Pod"}
    for s in prom["series"]:
        lab = s["metric"]
        if "node" in lab and lab["node"] not in nodes:
            errors.append(f"prometheus: unknown node {lab['node']}")
        if lab.get("job") in ("kube-state-metrics", "kubelet") and "pod" in lab and lab["__name__"] != "kube_node_labels" \
                and lab["__name__"] != "kube_node_status_condition" and (lab["namespace"], lab["pod"]) not in pods:
            errors.append(f"prometheus: unknown pod {lab['namespace']}/{lab['pod']}")
        ends = [x[0] + SCRAPE * (x[2] - 1) if len(x) == 4 else x[0] for x in s["samples"]]
        if any(b <= a for a, b in zip(ends, [x[0] for x in s["samples"]][1:])):
            errors.append(f"prometheus: samples out of order in {lab}")
    pool_values = {s["metric"]["label_eks_amazonaws_com_nodegroup"] for s in prom["series"]
                   if s["metric"]["__name__"] == "kube_node_labels"}
    if pool_values != set(POOLS):
        errors.append(f"prometheus: node group label values {pool_values} differ from the pools")


def render_prometheus(prom: dict, out: list) -> None:
    """Compact: one line per service; per series a line of labels and a line of samples."""
    j = lambda v: json.dumps(v, ensure_ascii=False)
    out.append(f"  version: {scalar(prom['version'])}")
    out.append(f"  scrapeInterval: {prom['scrapeInterval']}")
    out.append("  services:")
    out.extend(f"    - {j(s)}" for s in prom["services"])
    out.append("  series:")
    for s in prom["series"]:
        out.append(f"    - metric: {j(s['metric'])}")
        out.append(f"      samples: {j(s['samples']).replace(' ', '')}")


def build() -> dict:
    build_crds()
    build_namespaces()
    storage_class()
    build_kube_system()
    build_argo()
    build_monitoring()
    build_cert_manager()
    build_traefik()
    build_cnpg()
    build_keycloak()
    root, children = build_applications()
    build_events(root, children)
    for n in NODES:
        add(S_NODES, node_object(n))
    logs = build_logs()
    timeline = build_timeline(root, children)
    objects = [sort_keys(o) for _, objs in SECTIONS for o in objs]
    for entry in timeline:
        if "apply" in entry:
            entry["apply"] = sort_keys(entry["apply"])
        if "patch" in entry:
            entry["patch"]["patch"] = sort_keys(entry["patch"]["patch"])
    rec = {
        "apiVersion": "opsdeck.dev/v1",
        "kind": "Recording",
        "metadata": {"name": "platform", "description": DESCRIPTION,
                     "kubernetesVersion": K8S_VERSION, "recordedAt": iso(RECORDED_AT),
                     "platform": "eks"},
        "eks": build_eks(),
        "objects": objects,
        "timeline": timeline,
        "logs": logs,
    }
    rec["prometheus"] = build_prometheus(rec)
    return rec


def quantity(q: str) -> int:
    """Memory quantity in bytes."""
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for u, f in units.items():
        if q.endswith(u):
            return int(q[:-2]) * f
    return int(q)


def pod_requests(spec) -> tuple[int, int]:
    def total(cs, res):
        vals = [c["resources"].get("requests", {}).get(res) for c in cs]
        conv = cpu_milli if res == "cpu" else quantity
        return [conv(v) for v in vals if v]
    cpu = max(sum(total(spec["containers"], "cpu")), max(total(spec.get("initContainers", []), "cpu") or [0]))
    mem = max(sum(total(spec["containers"], "memory")),
              max(total(spec.get("initContainers", []), "memory") or [0]))
    return cpu, mem


def matches(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def check(rec: dict) -> None:
    """Consistency of the generated cluster and conformance to recording.rs."""
    errors = []
    allowed = {
        "top": {"apiVersion", "kind", "metadata", "eks", "objects", "timeline", "logs", "prometheus"},
        "metadata": {"name", "description", "kubernetesVersion", "recordedAt", "platform"},
        "entry": {"at", "note", "apply", "patch", "delete", "log"},
        "patch": {"apiVersion", "kind", "namespace", "name", "subresource", "type", "patch"},
        "delete": {"apiVersion", "kind", "namespace", "name"},
        "log": {"namespace", "pod", "container", "line"},
        "logs": {"namespace", "pod", "container", "lines", "previous"},
    }
    if set(rec) - allowed["top"] or set(rec["metadata"]) - allowed["metadata"]:
        errors.append("unknown top-level or metadata key")
    prev = -1.0
    for i, e in enumerate(rec["timeline"]):
        if set(e) - allowed["entry"]:
            errors.append(f"timeline[{i}]: unknown key {set(e) - allowed['entry']}")
        changes = [k for k in ("apply", "patch", "delete", "log") if k in e]
        if len(changes) != 1:
            errors.append(f"timeline[{i}]: needs exactly one change, has {changes}")
        for k in ("patch", "delete", "log"):
            if k in e and set(e[k]) - allowed[k]:
                errors.append(f"timeline[{i}].{k}: unknown key {set(e[k]) - allowed[k]}")
        if "patch" in e and e["patch"]["type"] not in ("merge", "json", "strategic"):
            errors.append(f"timeline[{i}]: bad patch type")
        secs = sum(int(n) * {"s": 1, "m": 60, "h": 3600}[u] for n, u in re.findall(r"(\d+)([smh])", e["at"]))
        if secs < prev:
            errors.append(f"timeline[{i}]: offsets decrease")
        prev = secs
    for i, l in enumerate(rec["logs"]):
        if set(l) - allowed["logs"]:
            errors.append(f"logs[{i}]: unknown key")
    objs = rec["objects"]
    by_key = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o for o in objs}
    uids = [o["metadata"]["uid"] for o in objs]
    if len(uids) != len(set(uids)):
        errors.append("duplicate uids")
    by_uid = {o["metadata"]["uid"]: o for o in objs}
    nodes = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Node"}
    pods = [o for o in objs if o["kind"] == "Pod"]
    usage = {n: [0, 0, 0] for n in nodes}
    ips = {}
    for p in pods:
        pm, ps = p["metadata"], p["spec"]
        where = f"pod {pm['namespace']}/{pm['name']}"
        node = nodes.get(ps["nodeName"])
        if node is None:
            errors.append(f"{where}: unknown node")
            continue
        if not matches(ps.get("nodeSelector", {}), node["metadata"]["labels"]):
            errors.append(f"{where}: nodeSelector does not match {node['metadata']['name']}")
        for taint in node["spec"].get("taints", []):
            ok = any(t.get("operator") == "Exists" and not t.get("key") and t.get("effect") in (None, taint["effect"])
                     or t.get("key") == taint["key"] and t.get("effect") in (None, taint["effect"])
                     and (t.get("operator") == "Exists" or t.get("value") == taint["value"])
                     for t in ps.get("tolerations", []))
            if not ok:
                errors.append(f"{where}: does not tolerate {taint}")
        cpu, mem = pod_requests(ps)
        usage[ps["nodeName"]][0] += cpu
        usage[ps["nodeName"]][1] += mem
        usage[ps["nodeName"]][2] += 1
        ip = p["status"]["podIP"]
        if ps.get("hostNetwork"):
            if ip != p["status"]["hostIP"]:
                errors.append(f"{where}: hostNetwork pod IP differs from node IP")
        elif ip in ips:
            errors.append(f"{where}: IP {ip} also used by {ips[ip]}")
        else:
            ips[ip] = where
        ref = pm["ownerReferences"][0]
        owner = by_uid.get(ref["uid"])
        if owner is None or owner["metadata"]["name"] != ref["name"] or owner["kind"] != ref["kind"]:
            errors.append(f"{where}: owner reference does not resolve")
            continue
        sel = owner["spec"].get("selector", {}).get("matchLabels")
        if sel is not None and not matches(sel, pm["labels"]):
            errors.append(f"{where}: labels do not match the {owner['kind']} selector")
        if owner["kind"] == "ReplicaSet":
            h = owner["metadata"]["labels"]["pod-template-hash"]
            if pm["labels"].get("pod-template-hash") != h or not pm["name"].startswith(owner["metadata"]["name"] + "-"):
                errors.append(f"{where}: pod-template-hash mismatch")
        if owner["kind"] == "Cluster" and pm["labels"].get("cnpg.io/cluster") != owner["metadata"]["name"]:
            errors.append(f"{where}: cnpg.io/cluster label")
        for c in ps["containers"]:
            if c["resources"].get("limits", {}).get("cpu") and c["resources"]["limits"]["cpu"] != c["resources"]["requests"]["cpu"] and False:
                pass
    for name, (cpu, mem, count) in usage.items():
        alloc = nodes[name]["status"]["allocatable"]
        if cpu >= cpu_milli(alloc["cpu"]) or mem >= quantity(alloc["memory"]) or count > int(alloc["pods"]):
            errors.append(f"node {name}: requests {cpu}m/{mem >> 20}Mi/{count} pods exceed allocatable")
    for o in objs:
        m = o["metadata"]
        for ref in m.get("ownerReferences", []):
            owner = by_uid.get(ref["uid"])
            if owner is None or owner["metadata"]["name"] != ref["name"] or owner["kind"] != ref["kind"] \
                    or owner["apiVersion"] != ref["apiVersion"]:
                errors.append(f"{o['kind']} {m['name']}: dangling owner reference {ref['name']}")
        if o["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
            sel = o["spec"]["selector"]["matchLabels"]
            if not matches(sel, o["spec"]["template"]["metadata"]["labels"]):
                errors.append(f"{o['kind']} {m['name']}: selector does not match its template")
        if o["kind"] in ("Service", "PodDisruptionBudget"):
            sel = o["spec"].get("selector")
            sel = sel.get("matchLabels") if o["kind"] == "PodDisruptionBudget" else sel
            if sel and not any(matches(sel, p["metadata"]["labels"]) and p["metadata"]["namespace"] == m["namespace"]
                               for p in pods):
                errors.append(f"{o['kind']} {m['namespace']}/{m['name']}: selector matches no pod")
        if o["kind"] == "Event":
            inv = o["involvedObject"]
            target = by_uid.get(inv["uid"])
            if target is None and inv["kind"] != "Pod":
                errors.append(f"event {m['name']}: involved object missing")
            if target is not None and target["metadata"]["name"] != inv["name"]:
                errors.append(f"event {m['name']}: involved object name mismatch")
        if m["creationTimestamp"] > iso(RECORDED_AT):
            errors.append(f"{o['kind']} {m['name']}: created after recordedAt")
        tid = m.get("annotations", {}).get("argocd.argoproj.io/tracking-id")
        if tid:
            app = tid.split(":", 1)[0]
            if ("Application", "argo", app) not in by_key:
                errors.append(f"{o['kind']} {m['name']}: tracked by unknown app {app}")
    for key in [("PersistentVolumeClaim", ns, c["persistentVolumeClaim"]["claimName"])
                for p in pods for c in p["spec"].get("volumes", []) if "persistentVolumeClaim" in c
                for ns in [p["metadata"]["namespace"]]]:
        if key not in by_key:
            errors.append(f"missing PVC {key}")
    check_prometheus(rec, errors)
    if errors:
        raise SystemExit("consistency check failed:\n  " + "\n  ".join(errors))


HEADER = """\
# GENERATED FILE - do not edit by hand.
# Generated by scripts/gen-platform-recording.py (Python 3, standard library only).
# Regenerate with:   python3 scripts/gen-platform-recording.py
# Check it is fresh: python3 scripts/gen-platform-recording.py --check
# Format: opsdeck.dev/v1, documented in recordings/README.md.
# All keys and secrets in this file are fake placeholders.
"""


def render(rec: dict) -> str:
    out: list = [HEADER.rstrip("\n")]
    for key in ("apiVersion", "kind"):
        out.append(f"{key}: {scalar(rec[key])}")
    out.append("metadata:")
    emit(rec["metadata"], 2, out)
    out.append("")
    out.append("# Recorded EKS answers (DescribeCluster, DescribeNodegroup), served under /eks.")
    out.append("eks:")
    emit(rec["eks"], 2, out)
    out.append("")
    out.append("# Objects present when the replay starts, grouped by namespace.")
    out.append("objects:")
    i = 0
    for title, objs in SECTIONS:
        if not objs:
            continue
        out.append("")
        out.append(f"  # ---- {title} ({len(objs)})")
        for _ in objs:
            emit([rec["objects"][i]], 2, out)
            i += 1
    out.append("")
    out.append("# Changes replayed at offsets from the start of the replay.")
    out.append("timeline:")
    emit(rec["timeline"], 2, out)
    out.append("")
    out.append("# Container logs served by GET /api/v1/namespaces/NS/pods/NAME/log.")
    out.append("logs:")
    emit(rec["logs"], 2, out)
    out.append("")
    out.append("# Raw Prometheus series the sandbox evaluates PromQL over, served under /prometheus and")
    out.append("# through the service proxy of the services below. Samples: [offset s, value] or runs")
    out.append("# [offset s, value, count, delta] of `count` samples scrapeInterval apart.")
    out.append("prometheus:")
    render_prometheus(rec["prometheus"], out)
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    repo = Path(__file__).resolve().parent.parent
    parser.add_argument("-o", "--output", type=Path, default=repo / "recordings" / "platform.yaml")
    parser.add_argument("--check", action="store_true",
                        help="fail if the output file differs from what would be generated")
    parser.add_argument("--summary", action="store_true", help="print object counts by kind")
    args = parser.parse_args()
    rec = build()
    check(rec)
    text = render(rec)
    try:  # PyYAML is optional; when present, verify the emitter round-trips the data
        import yaml  # type: ignore
        loaded = yaml.safe_load(text)
        if json.dumps(loaded, sort_keys=True) != json.dumps(rec, sort_keys=True):
            raise SystemExit("YAML round trip differs from the generated data")
    except ImportError:
        pass
    if args.summary:
        counts: dict = {}
        for o in rec["objects"]:
            counts[o["kind"]] = counts.get(o["kind"], 0) + 1
        for kind, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"{n:4d} {kind}")
        print(f"{len(rec['objects']):4d} objects, {len(rec['timeline'])} timeline entries, "
              f"{len(rec['logs'])} log streams")
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; run scripts/gen-platform-recording.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
