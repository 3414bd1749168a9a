#!/usr/bin/env python3
"""Per-call instructions of each piece of the SDK's request path, from the callgrind files of
per_request.sh: inclusive cost of the functions of each piece, (M2 run - M1 run) / (M2 - M1).
Function-level counts are exact per call; whole-program totals of concurrent runs vary by about
1-2 % with the number of wakeups, so pieces are read here, not from totals.

    pieces.py TAG... [--m1 1000 --m2 2000] [--out /tmp/qlik-callgrind]
"""
import argparse
import re
import subprocess

PIECES = {
    "span qlik.call (no subscriber)": r"^tracing::|Instrumented",
    "middleware chain": r"middleware::Chain::(request|response|error)$",
    "limiter (acquire, confirm)": r"rate_limit::Limiter::(reserve|pauses|confirm|key|acquire)$",
    "operation lookup (operations::find)": r"^qlik_sdk::operations::find$",
    "argument checks (validate::check)": r"^qlik_sdk::validate::check$",
    "bearer header": r"credentials::set_bearer$|TokenCache::fresh$|TokenCache::fresh_bearer$",
    "deprecation headers (Record::observe)": r"deprecations::Record::observe$",
    "request copy for a retry": r"^reqwest::async_impl::request::Request::try_clone$|^qlik_sdk::net::replay_copy$",
}


def load(path):
    out = subprocess.run(
        ["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
        capture_output=True, text=True, check=True,
    ).stdout
    costs = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\([^)]*\)\s+(.*?)(\s+\[.*\])?$", line)
        if m and ":" in m.group(2):
            name = m.group(2).split(":", 1)[1]
            costs[name] = costs.get(name, 0) + int(m.group(1).replace(",", ""))
    return costs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tags", nargs="+")
    ap.add_argument("--m1", type=int, default=1000)
    ap.add_argument("--m2", type=int, default=2000)
    ap.add_argument("--out", default="/tmp/qlik-callgrind")
    a = ap.parse_args()
    n = a.m2 - a.m1
    for tag in a.tags:
        lo, hi = load(f"{a.out}/{tag}.{a.m1}.out"), load(f"{a.out}/{tag}.{a.m2}.out")
        per = {k: (hi.get(k, 0) - lo.get(k, 0)) / n for k in hi}
        print(tag)
        for piece, pat in PIECES.items():
            fns = [(k, v) for k, v in per.items() if re.search(pat, k) and v > 0.5]
            detail = "; ".join(f"{k.split('::')[-1]} {v:.0f}" for k, v in fns)
            print(f"  {sum(v for _, v in fns):7.0f}  {piece}  [{detail}]")


if __name__ == "__main__":
    main()
