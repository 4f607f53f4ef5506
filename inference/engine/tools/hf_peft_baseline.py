#!/usr/bin/env python3
"""HF transformers + PEFT serving the benchmark's workload on the same GPU (the baseline).

Same workload as gpu_bench.py (bench_common.workload: Poisson arrivals, Zipf(1.0) over the
adapters, equal-length prompts). PEFT applies one active adapter per forward, so requests are
served in batches of one adapter each: among the requests that have arrived, the adapter with
the most waiting requests goes next, up to --max-batch of them, greedy-decoded together with a
KV cache (prompts are equal length: no padding). Adapters are loaded into the PeftModel on
demand and the least recently used is deleted beyond --resident. Prints JSON: output tokens/s,
TTFT / ITL p50 / p99, GPU memory, mean cold adapter load time.

  python3 tools/hf_peft_baseline.py --model /tmp/bench/model --adapters-dir /tmp/bench/adapters-r16 --count 100
"""

import argparse
import collections
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--adapters-dir", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--requests", type=int, default=256)
    parser.add_argument("--rate", type=float, default=8.0)
    parser.add_argument("--prompt-len", type=int, default=256)
    parser.add_argument("--output-len", type=int, default=128)
    parser.add_argument("--max-batch", type=int, default=64)
    parser.add_argument("--resident", type=int, default=16, help="adapters kept loaded in the PeftModel")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    paths = sorted(os.path.join(args.adapters_dir, d) for d in os.listdir(args.adapters_dir))[: args.count]
    base = AutoModelForCausalLM.from_pretrained(args.model, torch_dtype=torch.bfloat16).to("cuda").eval()
    model = PeftModel.from_pretrained(base, paths[0], adapter_name="a0").eval()
    resident = collections.OrderedDict([(0, True)])
    load_ms = []

    def activate(index):
        name = f"a{index}"
        if index in resident:
            resident.move_to_end(index)
        else:
            torch.cuda.synchronize()
            start = time.perf_counter()
            model.load_adapter(paths[index], adapter_name=name)
            torch.cuda.synchronize()
            load_ms.append((time.perf_counter() - start) * 1e3)
            resident[index] = True
            while len(resident) > args.resident:
                victim, _ = resident.popitem(last=False)
                model.delete_adapter(f"a{victim}")
        model.set_adapter(name)

    vocab = base.config.vocab_size
    items = bench_common.workload(args.requests, len(paths), args.rate, args.prompt_len, vocab, seed=args.seed)
    pending = collections.deque(enumerate(items))
    waiting = []
    ttfts, itls, output_tokens = [], [], 0
    start = time.perf_counter()
    with torch.no_grad():
        while pending or waiting:
            now = time.perf_counter() - start
            while pending and pending[0][1][0] <= now:
                waiting.append(pending.popleft())
            if not waiting:
                time.sleep(max(0.0, pending[0][1][0] - now))
                continue
            popularity = collections.Counter(item[1][2] for item in waiting)
            adapter = popularity.most_common(1)[0][0]
            batch = [item for item in waiting if item[1][2] == adapter][: args.max_batch]
            waiting = [item for item in waiting if item not in batch]
            activate(adapter)
            ids = torch.tensor([item[1][1] for item in batch], device="cuda")
            out = model(input_ids=ids, use_cache=True)
            past = out.past_key_values
            token = out.logits[:, -1].argmax(-1, keepdim=True)
            torch.cuda.synchronize()
            last = time.perf_counter()
            for _, (arrival, _, _) in batch:
                ttfts.append((last - start - arrival) * 1e3)
            output_tokens += len(batch)
            for _ in range(args.output_len - 1):
                out = model(input_ids=token, past_key_values=past, use_cache=True)
                past = out.past_key_values
                token = out.logits[:, -1].argmax(-1, keepdim=True)
                torch.cuda.synchronize()
                now_t = time.perf_counter()
                itls.extend([(now_t - last) * 1e3] * len(batch))
                last = now_t
                output_tokens += len(batch)
    wall = time.perf_counter() - start
    result = bench_common.summarize(ttfts, itls, output_tokens, wall)
    result.update({"adapters": len(paths), "requests": len(items),
                   "gpu_memory_mib": torch.cuda.max_memory_allocated() / 2**20,
                   "adapter_load_ms_mean": sum(load_ms) / len(load_ms) if load_ms else None,
                   "adapter_loads": len(load_ms)})
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
