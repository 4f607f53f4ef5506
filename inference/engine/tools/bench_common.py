"""Shared pieces of the GPU benchmark scripts: the workload (Poisson arrivals, Zipf adapter
popularity), latency summaries, and the roofline floor of a decode step from bytes moved.
"""

import math
import random

# Llama-3-8B shape (tributary-gen --preset llama3-8b-shape).
LLAMA3_8B = dict(vocab=128256, hidden=4096, intermediate=14336, layers=32, heads=32, kv_heads=8, head_dim=128)


def workload(num_requests, num_adapters, rate, prompt_len, vocab, seed=0, zipf_s=1.0):
    """[(arrival_s, prompt_tokens, adapter_index)], Poisson arrivals at `rate`/s, Zipf(s) adapters."""
    rng = random.Random(seed)
    weights = [1.0 / (k ** zipf_s) for k in range(1, num_adapters + 1)]
    total = sum(weights)
    cumulative, acc = [], 0.0
    for w in weights:
        acc += w / total
        cumulative.append(acc)
    t, items = 0.0, []
    for _ in range(num_requests):
        t += rng.expovariate(rate)
        u = rng.random()
        adapter = next((i for i, c in enumerate(cumulative) if u < c), num_adapters - 1)
        items.append((t, [rng.randrange(vocab) for _ in range(prompt_len)], adapter))
    return items


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summarize(ttfts_ms, itls_ms, output_tokens, wall_s):
    return {
        "output_tokens_per_s": output_tokens / wall_s if wall_s > 0 else None,
        "ttft_ms_p50": percentile(ttfts_ms, 50),
        "ttft_ms_p99": percentile(ttfts_ms, 99),
        "itl_ms_p50": percentile(itls_ms, 50),
        "itl_ms_p99": percentile(itls_ms, 99),
        "output_tokens": output_tokens,
        "wall_s": wall_s,
    }


def roofline(batch, context, distinct_adapters, rank=16, shape=LLAMA3_8B, bandwidth=3.35e12, dtype_bytes=2):
    """Bytes one decode step must move at least, and that over HBM bandwidth (seconds, tokens/s).

    Weights once (all layers + lm_head; the embedding rows gathered are negligible), every
    sequence's KV cache once, and each distinct adapter's A and B once (all 7 projections).
    """
    h, i, kv = shape["hidden"], shape["intermediate"], shape["kv_heads"] * shape["head_dim"]
    per_layer = h * h + 2 * h * kv + h * h + 3 * h * i  # q, k, v, o, gate, up, down
    weights = (shape["layers"] * per_layer + shape["vocab"] * h) * dtype_bytes
    kv_bytes = batch * context * shape["layers"] * 2 * kv * dtype_bytes
    lora_per_adapter = shape["layers"] * rank * ((h + h) + 2 * (h + kv) + (h + h) + 2 * (h + i) + (i + h)) * dtype_bytes
    adapters = distinct_adapters * lora_per_adapter
    total = weights + kv_bytes + adapters
    seconds = total / bandwidth
    return {
        "batch": batch,
        "context": context,
        "distinct_adapters": distinct_adapters,
        "bytes_weights": weights,
        "bytes_kv": kv_bytes,
        "bytes_adapters": adapters,
        "bytes_total": total,
        "step_ms_floor": seconds * 1e3,
        "tokens_per_s_ceiling": batch / seconds,
    }
