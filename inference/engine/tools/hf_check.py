#!/usr/bin/env python3
"""Compare tributary-engine with Hugging Face transformers + PEFT on the same files.

For random prompts and each adapter mix (base model, each adapter alone, the weighted
ensemble of all of them), greedy-decode with both and compare the tokens and the chosen
tokens' log-probabilities. Single adapters run through PEFT's own PeftModel; the ensemble
is built from PEFT's own per-module delta weights (get_delta_weight), summed with the
ensemble weights into a fresh copy of the base model, so the engine's file parsing,
naming and scaling are checked against PEFT's, not against a re-implementation.

Needs torch, transformers and peft (the GPU machine has them; a CPU works too). Not run
in CI: this machine has none of them. Written before any session had them, so the first
run may need small fixes.

  python3 hf_check.py --engine build/tributary-engine --model /tmp/m \
      --adapter /tmp/a0:0.7 --adapter /tmp/a1:0.3 [--prompts 4] [--max-tokens 16] [--device cuda]

Exit status 0 when every mix matches (tokens equal, |logprob difference| <= --tolerance).
"""

import argparse
import json
import random
import struct
import subprocess
import sys


class Engine:
    """tributary-engine over stdio frames (PROTOCOL.md)."""

    def __init__(self, binary):
        self.process = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 0

    def send(self, message):
        payload = json.dumps(message).encode()
        self.process.stdin.write(struct.pack(">I", len(payload)) + payload)
        self.process.stdin.flush()

    def receive(self):
        header = self.process.stdout.read(4)
        if len(header) < 4:
            raise RuntimeError("engine closed its output")
        (length,) = struct.unpack(">I", header)
        return json.loads(self.process.stdout.read(length))

    def call(self, op, **fields):
        self.next_id += 1
        request_id = self.next_id
        self.send({"id": request_id, "op": op, **fields})
        while True:
            reply = self.receive()
            if reply.get("id") == request_id:
                if reply["event"] == "error":
                    raise RuntimeError(f"{op}: {reply['error']}")
                return reply

    def generate(self, prompt, adapters, max_tokens):
        self.next_id += 1
        request_id = self.next_id
        self.send({"id": request_id, "op": "generate", "prompt_tokens": prompt, "max_tokens": max_tokens,
                   "adapters": [{"id": a, "weight": w} for a, w in adapters], "logprobs": True})
        tokens, logprobs = [], []
        while True:
            event = self.receive()
            if event.get("id") != request_id:
                continue
            if event["event"] == "token":
                tokens.append(event["token"])
                logprobs.append(event["logprob"])
            elif event["event"] == "done":
                return tokens, logprobs
            else:
                raise RuntimeError(f"generate: {event}")

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)


def hf_greedy(model, prompt, max_tokens, device):
    import torch

    ids = torch.tensor([prompt], device=device)
    tokens, logprobs = [], []
    with torch.no_grad():
        for _ in range(max_tokens):
            logits = model(input_ids=ids).logits[0, -1].float()
            log_softmax = torch.log_softmax(logits, dim=-1)
            token = int(torch.argmax(logits))
            tokens.append(token)
            logprobs.append(float(log_softmax[token]))
            ids = torch.cat([ids, torch.tensor([[token]], device=device)], dim=1)
    return tokens, logprobs


def load_base(model_dir, device):
    import torch
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32).to(device).eval()


def ensemble_model(model_dir, adapters, device):
    """A base model whose weights hold W + sum_i w_i * delta_i, delta_i from PEFT itself."""
    from peft import PeftModel
    from peft.tuners.lora import LoraLayer

    peft_model = PeftModel.from_pretrained(load_base(model_dir, device), adapters[0][0], adapter_name="a0")
    for index, (path, _) in enumerate(adapters[1:], start=1):
        peft_model.load_adapter(path, adapter_name=f"a{index}")
    merged = load_base(model_dir, device)
    merged_modules = dict(merged.named_modules())
    for name, module in peft_model.named_modules():
        if not isinstance(module, LoraLayer):
            continue
        target = merged_modules[name.replace("base_model.model.", "", 1)]
        for index, (_, weight) in enumerate(adapters):
            adapter_name = f"a{index}"
            if adapter_name in module.lora_A:
                target.weight.data += weight * module.get_delta_weight(adapter_name).to(target.weight.dtype)
    return merged


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--adapter", action="append", default=[], help="DIR or DIR:WEIGHT")
    parser.add_argument("--prompts", type=int, default=4)
    parser.add_argument("--prompt-length", type=int, default=12)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--tolerance", type=float, default=1e-3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    adapters = []
    for spec in args.adapter:
        path, _, weight = spec.partition(":")
        adapters.append((path, float(weight) if weight else 1.0))

    from peft import PeftModel

    engine = Engine(args.engine)
    loaded = engine.call("load_model", path=args.model)
    ids = [engine.call("load_adapter", path=path)["adapter_id"] for path, _ in adapters]
    vocab = loaded["vocab_size"]
    rng = random.Random(0)
    prompts = [[rng.randrange(vocab) for _ in range(args.prompt_length)] for _ in range(args.prompts)]

    mixes = [("base", [], lambda: load_base(args.model, args.device))]
    for index, (path, _) in enumerate(adapters):
        mixes.append((f"adapter {path}", [(ids[index], 1.0)],
                      lambda path=path: PeftModel.from_pretrained(load_base(args.model, args.device), path).eval()))
    if len(adapters) > 1:
        mixes.append(("ensemble", [(ids[i], w) for i, (_, w) in enumerate(adapters)],
                      lambda: ensemble_model(args.model, adapters, args.device)))

    failures = 0
    for label, engine_adapters, build in mixes:
        model = build()
        worst, tokens_match = 0.0, True
        for prompt in prompts:
            engine_tokens, engine_logprobs = engine.generate(prompt, engine_adapters, args.max_tokens)
            hf_tokens, hf_logprobs = hf_greedy(model, prompt, args.max_tokens, args.device)
            if engine_tokens != hf_tokens:
                tokens_match = False
                print(f"     {label}: tokens differ for prompt {prompt}\n  engine {engine_tokens}\n  hf     {hf_tokens}")
                continue
            worst = max(worst, max(abs(a - b) for a, b in zip(engine_logprobs, hf_logprobs)))
        ok = tokens_match and worst <= args.tolerance
        failures += 0 if ok else 1
        print(f"{'ok  ' if ok else 'FAIL'} {label}: max |logprob difference| {worst:.2e}")
    engine.close()
    print(f"{len(mixes) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
