#!/usr/bin/env python3
"""Generates src/sandbox/protobuf/schema.rs, the descriptor table of the protobuf decoder.

Usage, from the repository root:

    python3 src/sandbox/protobuf/gen_schema.py API_DIR APIMACHINERY_DIR \
        > src/sandbox/protobuf/schema.rs
    rustfmt --edition 2024 src/sandbox/protobuf/schema.rs

API_DIR is a checkout of k8s.io/api, APIMACHINERY_DIR one of k8s.io/apimachinery (the
table in the repository was made from k8s.io/api 10b39a39b and k8s.io/apimachinery
eed236ce, both of 2026-07-23/24). To accept another kind as protobuf, add it to ROOTS;
what it reaches is generated with it.

Each message is described by joining two upstream sources on (message, field number):

* `generated.proto`: the field number, the protobuf type and the shape (repeated, map);
* `types.go`: the Go struct tags, which give the JSON name, `omitempty`/`omitzero`,
  whether the field is inlined, and whether the Go field is a pointer (a pointer field
  present on the wire with a zero value is still emitted in JSON).

Fields are listed in Go declaration order so that the decoded JSON has the same key
order as Go's encoding/json output.
"""

import os
import re
import sys

# (apiVersion, kind, proto package, message) roots; everything they reach is generated.
ROOTS = [
    ("v1", "Namespace", "core/v1"),
    ("v1", "Secret", "core/v1"),
    ("v1", "ConfigMap", "core/v1"),
    ("v1", "ServiceAccount", "core/v1"),
    ("v1", "Service", "core/v1"),
    ("v1", "ResourceQuota", "core/v1"),
    ("v1", "LimitRange", "core/v1"),
    ("v1", "Pod", "core/v1"),
    ("v1", "PersistentVolumeClaim", "core/v1"),
    ("apps/v1", "Deployment", "apps/v1"),
    ("apps/v1", "StatefulSet", "apps/v1"),
    ("apps/v1", "DaemonSet", "apps/v1"),
    ("apps/v1", "ReplicaSet", "apps/v1"),
    ("batch/v1", "Job", "batch/v1"),
    ("batch/v1", "CronJob", "batch/v1"),
    ("rbac.authorization.k8s.io/v1", "Role", "rbac/v1"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", "rbac/v1"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", "rbac/v1"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "rbac/v1"),
    ("policy/v1", "PodDisruptionBudget", "policy/v1"),
    ("scheduling.k8s.io/v1", "PriorityClass", "scheduling/v1"),
    ("networking.k8s.io/v1", "Ingress", "networking/v1"),
    ("networking.k8s.io/v1", "IngressClass", "networking/v1"),
    ("networking.k8s.io/v1", "NetworkPolicy", "networking/v1"),
    # Typed kubectl commands other than `create`: `create token`, `auth can-i`, `drain`.
    ("authentication.k8s.io/v1", "TokenRequest", "authentication/v1"),
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview", "authorization/v1"),
    ("policy/v1", "Eviction", "policy/v1"),
]

META = "k8s.io.apimachinery.pkg.apis.meta.v1"
# Messages whose Go types have their own JSON encoding.
SPECIAL = {
    META + ".Time": "Time",
    META + ".MicroTime": "MicroTime",
    META + ".Duration": "Duration",  # not reached yet: the decoder has no such type
    META + ".FieldsV1": "RawJson",
    "k8s.io.apimachinery.pkg.runtime.RawExtension": "RawJson",
    "k8s.io.apimachinery.pkg.api.resource.Quantity": "Quantity",
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": "IntOrString",
    # `type X []string` wrappers (`message X { repeated string items = 1; }`): a JSON array.
    "k8s.io.api.authentication.v1.ExtraValue": "StrList",
    "k8s.io.api.authentication.v1.AttestationValue": "StrList",
}
SCALARS = {
    "string": "Str",
    "bool": "Bool",
    "int32": "I32",
    "int64": "I64",
    "bytes": "Bytes",
}


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def parse_proto(path):
    text = read(path)
    package = re.search(r"^package ([\w.]+);", text, re.M).group(1)
    messages = {}
    current = None
    for line in text.splitlines():
        line = line.split("//")[0].rstrip()
        m = re.match(r"^message (\w+) \{", line)
        if m:
            current = messages.setdefault(m.group(1), {})
            continue
        if line == "}":
            current = None
            continue
        if current is None or not line.strip():
            continue
        m = re.match(r"^\s+map<(\w+), ([\w.]+)> (\w+) = (\d+);$", line)
        if m:
            current[int(m.group(4))] = ("map", m.group(2), m.group(3), m.group(1))
            continue
        m = re.match(r"^\s+(optional|repeated|required) ([\w.]+) (\w+) = (\d+);$", line)
        if m:
            current[int(m.group(4))] = (m.group(1), m.group(2), m.group(3), None)
            continue
        raise SystemExit(f"{path}: cannot parse {line!r}")
    return package, messages


def parse_go(path):
    """Go structs: name -> [(number, json name, flags, go type)] in declaration order."""
    structs = {}
    current = None
    for line in read(path).splitlines():
        m = re.match(r"^type (\w+) struct \{", line)
        if m:
            current = structs.setdefault(m.group(1), [])
            continue
        if line.startswith("}"):
            current = None
            continue
        if current is None or "`" not in line or line.strip().startswith("//"):
            continue
        decl, tags = line.split("`")[0].split(), line.split("`")[1]
        pb = re.search(r'protobuf:"([^"]*)"', tags)
        if not pb:
            continue
        number = int(pb.group(1).split(",")[1])
        js = re.search(r'json:"([^"]*)"', tags)
        parts = js.group(1).split(",") if js else [""]
        gotype = decl[-1]
        current.append((number, parts[0], set(parts[1:]), gotype))
    return structs


def main():
    api, machinery = sys.argv[1], sys.argv[2]
    protos = {}
    gos = {}
    dirs = [os.path.join(api, r[2]) for r in ROOTS] + [
        os.path.join(machinery, "pkg/apis/meta/v1"),
    ]
    for d in sorted(set(dirs)):
        package, messages = parse_proto(os.path.join(d, "generated.proto"))
        for name, fields in messages.items():
            protos[f"{package}.{name}"] = fields
        for name, fields in parse_go(os.path.join(d, "types.go")).items():
            gos[f"{package}.{name}"] = fields
    api_pkg = "k8s.io.api."

    def qualify(package, typ):
        if typ.startswith("."):
            return typ[1:]
        return f"{package}.{typ}"

    def display_name(full):
        short = full.replace("k8s.io.api.", "").replace("k8s.io.apimachinery.pkg.apis.", "")
        pkg, name = short.rsplit(".", 1)
        return pkg.replace(".", "/") + " " + name

    def static_name(full):
        short = full.replace("k8s.io.api.", "").replace("k8s.io.apimachinery.pkg.apis.", "")
        pkg, name = short.rsplit(".", 1)
        snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
        return (pkg.replace(".", "_") + "_" + snake).upper()

    order = []
    seen = set()

    def is_alpha(full):
        # Fields typed with alpha/beta API messages are left out (the decoder skips them).
        return re.search(r"\.v\d+(alpha|beta)\d+\.", full) is not None

    def visit(full):
        if full in seen or full in SPECIAL:
            return
        seen.add(full)
        if full not in protos:
            raise SystemExit(f"missing message {full}")
        package = full.rsplit(".", 1)[0]
        for _, (label, typ, _, _) in protos[full].items():
            if typ not in SCALARS and not is_alpha(qualify(package, typ)):
                visit(qualify(package, typ))
        order.append(full)

    roots = []
    for api_version, kind, d in ROOTS:
        full = api_pkg + d.replace("/", ".") + "." + kind
        visit(full)
        roots.append((api_version, kind, full))

    out = []
    w = out.append
    w("//! Protobuf message descriptors for the Kubernetes kinds the sandbox accepts as protobuf.")
    w("//!")
    w("//! GENERATED by `gen_schema.py` (beside this file) from the upstream k8s.io/api and")
    w("//! k8s.io/apimachinery `generated.proto` (field numbers, types) and `types.go` (JSON")
    w("//! names, `omitempty`, pointers, inlining). Do not edit by hand: re-run the script")
    w("//! (its docstring tells how); add a kind to its ROOTS to accept it as protobuf.")
    w("")
    w("use super::{Field, Kind, MsgDesc, Type::*};")
    w("")
    w("const fn f(number: u32, json: &'static str, ty: super::Type, flags: u8) -> Field {")
    w("    Field { number, json, ty, flags }")
    w("}")
    w("")
    w("const REP: u8 = super::REPEATED;")
    w("const MAP: u8 = super::MAP;")
    w("const PTR: u8 = super::POINTER;")
    w("const OE: u8 = super::OMIT_EMPTY;")
    w("const OZ: u8 = super::OMIT_ZERO;")
    w("const INL: u8 = super::INLINE;")
    w("")
    w("/// The kinds accepted, by (apiVersion, kind).")
    w("pub(super) static KINDS: &[Kind] = &[")
    for api_version, kind, full in roots:
        w(f'    Kind {{ api_version: "{api_version}", kind: "{kind}", msg: &{static_name(full)} }},')
    w("];")
    emitted = set()
    for full in order:
        emitted.add(full)
        package = full.rsplit(".", 1)[0]
        proto = protos[full]
        go = gos.get(full)
        if go is None:
            raise SystemExit(f"no Go struct for {full}")
        go_numbers = [g[0] for g in go]
        if sorted(go_numbers) != sorted(proto):
            raise SystemExit(f"{full}: Go fields {sorted(go_numbers)} != proto {sorted(proto)}")
        w("")
        w(f"pub(super) static {static_name(full)}: MsgDesc = MsgDesc {{")
        w(f'    name: "{display_name(full)}",')
        w("    fields: &[")
        for number, json_name, opts, gotype in go:
            label, typ, proto_name, key = proto[number]
            flags = []
            if label == "repeated":
                flags.append("REP")
            if label == "map":
                if key != "string":
                    raise SystemExit(f"{full}.{proto_name}: map key {key}")
                flags.append("MAP")
            if gotype.startswith("*"):
                flags.append("PTR")
            if "omitempty" in opts:
                flags.append("OE")
            if "omitzero" in opts:
                if qualify(package, typ) != META + ".Time":
                    raise SystemExit(f"{full}.{proto_name}: omitzero on {typ}")
                flags.append("OZ")
            if json_name in ("", "-") or "inline" in opts:
                json_name = ""
                flags.append("INL")
            if typ not in SCALARS and is_alpha(qualify(package, typ)):
                print(f"note: {full}.{proto_name} skipped ({typ})", file=sys.stderr)
                continue
            if typ in SCALARS:
                ty = SCALARS[typ]
            else:
                q = qualify(package, typ)
                ty = SPECIAL.get(q)
                if ty is None:
                    if q not in emitted:
                        raise SystemExit(f"{full}.{proto_name}: recursive reference to {q}")
                    ty = f"Msg(&{static_name(q)})"
            if json_name and json_name != proto_name:
                print(f"note: {full}.{proto_name} is {json_name} in JSON", file=sys.stderr)
            flag_expr = " | ".join(flags) if flags else "0"
            w(f'        f({number}, "{json_name}", {ty}, {flag_expr}),')
        w("    ],")
        w("};")
    print("\n".join(out))
    print(f"{len(order)} messages", file=sys.stderr)


if __name__ == "__main__":
    main()
