#!/usr/bin/env python3
"""GPU serving benchmark of tributary-engine --backend cuda (run on the GPU machine).

Generates (once, with tributary-gen) a Llama-3-8B-shaped bf16 checkpoint and rank-16 adapters
on all seven projections, then for each adapter count (default 1, 100, 1000) starts the engine,
loads the adapters, and replays Poisson arrivals (prompt 256, output 128 tokens, Zipf(1.0) over
the adapters). Measures client-side output tokens/s, TTFT and ITL p50/p99, GPU memory
(nvidia-smi), cold adapter load time (the engine's stats: disk load and device-pool load), and
prints them as JSON next to the roofline floor of a decode step (bench_common.roofline).
With --hf it also runs tools/hf_peft_baseline.py on the same workload for the comparison.

  python3 tools/gpu_bench.py --engine build-cuda/tributary-engine --gen build-cuda/tributary-gen \
      --work /tmp/bench [--adapters 1,100,1000] [--requests 256] [--rate 8] [--hf]
"""

import argparse
import json
import os
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common  # noqa: E402


def generate_files(gen, work, num_adapters, rank):
    model = os.path.join(work, "model")
    if not os.path.exists(os.path.join(model, "config.json")):
        subprocess.run([gen, "model", "--out", model, "--preset", "llama3-8b-shape", "--dtype", "bf16"], check=True)
    adapters = os.path.join(work, f"adapters-r{rank}")
    existing = sorted(d for d in os.listdir(adapters)) if os.path.isdir(adapters) else []
    if len(existing) < num_adapters:
        subprocess.run([gen, "adapters", "--out", adapters, "--model", model, "--count", str(num_adapters), "--rank",
                        str(rank), "--alpha", str(2 * rank), "--targets", "all", "--dtype", "bf16"], check=True)
        existing = sorted(d for d in os.listdir(adapters))
    return model, [os.path.join(adapters, d) for d in existing[:num_adapters]]


class Client:
    """Frames over the engine's stdio; a reader thread timestamps every event on arrival."""

    def __init__(self, argv):
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.lock = threading.Lock()
        self.events = {}
        self.replies = {}
        self.cond = threading.Condition(self.lock)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.next_id = 0

    def _read(self):
        out = self.process.stdout
        while True:
            header = out.read(4)
            if len(header) < 4:
                return
            (length,) = struct.unpack(">I", header)
            message = json.loads(out.read(length))
            now = time.perf_counter()
            with self.cond:
                key = message.get("id")
                self.events.setdefault(key, []).append((now, message))
                self.cond.notify_all()

    def send(self, message):
        payload = json.dumps(message).encode()
        with self.lock:
            self.process.stdin.write(struct.pack(">I", len(payload)) + payload)
            self.process.stdin.flush()

    def call(self, op, **fields):
        self.next_id += 1
        request_id = f"call-{self.next_id}"
        self.send({"id": request_id, "op": op, **fields})
        with self.cond:
            self.cond.wait_for(lambda: request_id in self.events)
            _, reply = self.events.pop(request_id)[0]
        if reply.get("event") == "error":
            raise RuntimeError(f"{op}: {reply}")
        return reply

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=120)


def gpu_memory_mib():
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, check=True).stdout
        return int(out.split()[0])
    except (OSError, subprocess.CalledProcessError, ValueError, IndexError):
        return None


def run_engine(args, model, adapter_dirs):
    options = {"kv_blocks": args.kv_blocks, "block_size": 16, "max_num_seqs": args.max_num_seqs,
               "max_batched_tokens": args.max_batched_tokens, "adapter_slots": args.adapter_slots,
               "max_host_adapters": max(len(adapter_dirs), 1), "backend": "cuda"}
    client = Client([args.engine, "--backend", "cuda"])
    loaded = client.call("load_model", path=model, options=options)
    ids = []
    for path in adapter_dirs:
        ids.append(client.call("load_adapter", path=path)["adapter_id"])
    items = bench_common.workload(args.requests, len(ids), args.rate, args.prompt_len, loaded["vocab_size"], seed=args.seed)
    start = time.perf_counter()
    for index, (arrival, prompt, adapter) in enumerate(items):
        delay = start + arrival - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        client.send({"id": f"r{index}", "op": "generate", "prompt_tokens": prompt, "max_tokens": args.output_len,
                     "adapters": [{"id": ids[adapter], "weight": 1.0}]})
    sent = {f"r{i}": start + arrival for i, (arrival, _, _) in enumerate(items)}
    with client.cond:
        client.cond.wait_for(lambda: all(any(m.get("event") in ("done", "error") for _, m in client.events.get(k, []))
                                         for k in sent), timeout=args.timeout)
    end = time.perf_counter()
    memory = gpu_memory_mib()
    stats = client.call("stats")
    client.close()
    ttfts, itls, output_tokens, errors = [], [], 0, 0
    for key, arrival in sent.items():
        times = [t for t, m in client.events.get(key, []) if m.get("event") == "token"]
        errors += any(m.get("event") == "error" for _, m in client.events.get(key, []))
        output_tokens += len(times)
        if times:
            ttfts.append((times[0] - arrival) * 1e3)
            itls.extend((b - a) * 1e3 for a, b in zip(times, times[1:]))
    result = bench_common.summarize(ttfts, itls, output_tokens, end - start)
    result.update({"adapters": len(ids), "requests": len(items), "errors": errors, "gpu_memory_mib": memory,
                   "engine_stats": stats})
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", required=True)
    parser.add_argument("--gen", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--adapters", default="1,100,1000")
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--requests", type=int, default=256)
    parser.add_argument("--rate", type=float, default=8.0, help="Poisson arrivals per second")
    parser.add_argument("--prompt-len", type=int, default=256)
    parser.add_argument("--output-len", type=int, default=128)
    parser.add_argument("--max-num-seqs", type=int, default=64)
    parser.add_argument("--max-batched-tokens", type=int, default=2048)
    parser.add_argument("--kv-blocks", type=int, default=8192)
    parser.add_argument("--adapter-slots", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=540)
    parser.add_argument("--hf", action="store_true", help="also run tools/hf_peft_baseline.py on the same workload")
    args = parser.parse_args()

    os.makedirs(args.work, exist_ok=True)
    counts = [int(c) for c in args.adapters.split(",")]
    report = {"workload": {k: getattr(args, k) for k in ("requests", "rate", "prompt_len", "output_len", "rank", "seed")},
              "runs": []}
    for count in counts:
        model, adapter_dirs = generate_files(args.gen, args.work, count, args.rank)
        run = run_engine(args, model, adapter_dirs)
        run["roofline_decode_batch64"] = bench_common.roofline(64, args.prompt_len + args.output_len // 2, min(count, 64), args.rank)
        if args.hf:
            baseline = subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "hf_peft_baseline.py"),
                                       "--model", model, "--adapters-dir", os.path.dirname(adapter_dirs[0]), "--count", str(count),
                                       "--requests", str(args.requests), "--rate", str(args.rate), "--prompt-len",
                                       str(args.prompt_len), "--output-len", str(args.output_len), "--seed", str(args.seed)],
                                      capture_output=True, text=True)
            run["hf_peft"] = json.loads(baseline.stdout) if baseline.returncode == 0 else {"error": baseline.stderr[-2000:]}
        report["runs"].append(run)
        print(json.dumps({k: v for k, v in run.items() if k != "engine_stats"}), file=sys.stderr, flush=True)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
