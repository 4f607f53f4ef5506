#!/usr/bin/env python3
"""Check the CUDA backend against transformers + PEFT and against the CPU backend (GPU machine).

Runs hf_check.py's comparison (greedy tokens and chosen-token logprobs, for the base model,
each adapter alone and the weighted ensemble) with the engine started as
`tributary-engine --backend cuda`, and additionally runs the same prompts through the CPU
backend of the same binary, so a mismatch can be placed: engine-CUDA vs engine-CPU (kernels)
or engine vs PEFT (format/semantics). bf16 weights and activations on the GPU: logprobs are
compared with a bf16 tolerance, and a token difference after a near tie is reported, not failed.

  python3 tools/peft_check.py --engine build-cuda/tributary-engine --model /tmp/m \
      --adapter /tmp/a0:0.7 --adapter /tmp/a1:0.3 [--device cuda] [--prompts 8]

Exit status 0 when every mix matches.
"""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_check  # noqa: E402  (sibling module: the stdio client, HF greedy decode, PEFT ensemble)


class BackendEngine(hf_check.Engine):
    """hf_check's stdio client, with the engine started on a chosen backend."""

    def __init__(self, binary, backend):
        self.process = subprocess.Popen([binary, "--backend", backend], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 0


def first_divergence(a, b):
    for index, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return index
    return min(len(a), len(b)) if len(a) != len(b) else -1


def compare(label, ref_name, ref, other_name, other, tolerance):
    """ref, other: (tokens, logprobs). Logprobs are compared up to the first token difference."""
    (ref_tokens, ref_logprobs), (tokens, logprobs) = ref, other
    diverge = first_divergence(ref_tokens, tokens)
    upto = len(ref_tokens) if diverge < 0 else diverge
    worst = max((abs(a - b) for a, b in zip(ref_logprobs[:upto], logprobs[:upto])), default=0.0)
    # A differing token is a failure unless the reference was itself nearly undecided there
    # (its chosen logprob close to another candidate's is not visible here, so use the margin
    # the two runs disagree by: both logprobs within tolerance means a near tie).
    tie = diverge >= 0 and diverge < len(logprobs) and abs(ref_logprobs[diverge] - logprobs[diverge]) <= tolerance
    ok = worst <= tolerance and (diverge < 0 or tie)
    note = "" if diverge < 0 else f", tokens diverge at {diverge}{' (near tie)' if tie else ''}"
    print(f"{'ok  ' if ok else 'FAIL'} {label}: {other_name} vs {ref_name} max |logprob diff| {worst:.2e}{note}")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", required=True, help="a tributary-engine built with -DTRIBUTARY_CUDA=ON")
    parser.add_argument("--model", required=True)
    parser.add_argument("--adapter", action="append", default=[], help="DIR or DIR:WEIGHT")
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--prompt-length", type=int, default=24)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--tolerance", type=float, default=5e-2, help="|logprob| difference (bf16 vs fp32)")
    parser.add_argument("--cpu-tolerance", type=float, default=5e-2, help="CUDA vs CPU engine")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--skip-hf", action="store_true", help="only CUDA engine vs CPU engine")
    args = parser.parse_args()

    adapters = []
    for spec in args.adapter:
        path, _, weight = spec.partition(":")
        adapters.append((path, float(weight) if weight else 1.0))

    engines = {name: BackendEngine(args.engine, name) for name in ("cuda", "cpu")}
    ids = {}
    vocab = None
    for name, engine in engines.items():
        loaded = engine.call("load_model", path=args.model)
        vocab = loaded["vocab_size"]
        ids[name] = [engine.call("load_adapter", path=path)["adapter_id"] for path, _ in adapters]
    import random

    rng = random.Random(0)
    prompts = [[rng.randrange(vocab) for _ in range(args.prompt_length)] for _ in range(args.prompts)]

    mixes = [("base", [], lambda: hf_check.load_base(args.model, args.device))]
    for index, (path, _) in enumerate(adapters):

        def build(path=path):
            from peft import PeftModel

            return PeftModel.from_pretrained(hf_check.load_base(args.model, args.device), path).eval()

        mixes.append((f"adapter {path}", [(index, 1.0)], build))
    if len(adapters) > 1:
        mixes.append(("ensemble", [(i, w) for i, (_, w) in enumerate(adapters)],
                      lambda: hf_check.ensemble_model(args.model, adapters, args.device)))

    failures = checks = 0
    for label, mix, build in mixes:
        model = None if args.skip_hf else build()
        for prompt in prompts:
            runs = {name: engine.generate(prompt, [(ids[name][i], w) for i, w in mix], args.max_tokens)
                    for name, engine in engines.items()}
            checks += 1
            failures += 0 if compare(label, "cpu", runs["cpu"], "cuda", runs["cuda"], args.cpu_tolerance) else 1
            if model is not None:
                hf = hf_check.hf_greedy(model, prompt, args.max_tokens, args.device)
                checks += 1
                failures += 0 if compare(label, "peft", hf, "cuda", runs["cuda"], args.tolerance) else 1
        del model
    for engine in engines.values():
        engine.close()
    print(f"{checks - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
