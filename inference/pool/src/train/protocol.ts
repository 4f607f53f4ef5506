// Typed frames of the training worker, `tributary-train` (inference/engine/PROTOCOL.md,
// "Training worker").
export type TargetModule = "q" | "k" | "v" | "o" | "gate" | "up" | "down";

export interface TrainJobSpec {
  model: string;
  /** JSON lines: {"tokens": [ids], "loss_mask": [0|1 per token]} (PROTOCOL.md, "Data set format"). */
  dataset: string;
  eval_dataset?: string;
  output_dir: string;
  lora: { r?: number; lora_alpha?: number; use_rslora?: boolean; target_modules: TargetModule[] };
  optimizer?: {
    learning_rate?: number;
    weight_decay?: number;
    beta1?: number;
    beta2?: number;
    epsilon?: number;
    max_grad_norm?: number;
    warmup_steps?: number;
  };
  total_steps: number;
  micro_batch_size?: number;
  gradient_accumulation_steps?: number;
  checkpoint_every?: number;
  eval_every?: number;
  /** The newest this many checkpoints stay in output_dir (1..64; default 1), for `influence`. */
  keep_checkpoints?: number;
  seed?: number;
  threads?: number;
}

export interface TrainStarted {
  event: "train_started";
  resumed_from_step: number;
  total_steps: number;
  examples: number;
  trained_tokens: number;
  eval_examples: number;
  trainable_parameters: number;
  output_dir: string;
  threads: number;
}

export interface TrainProgress {
  event: "progress";
  step: number;
  total_steps: number;
  loss: number;
  eval_loss: number | null;
  learning_rate: number;
  grad_norm: number;
  trained_tokens: number;
  tokens: number;
  tokens_per_s: number;
  eta_s: number;
}

export interface CheckpointRef {
  path: string;
  step: number;
  adapter_id: string;
}

export interface TrainCheckpoint extends CheckpointRef {
  event: "checkpoint";
}

export interface TrainDone {
  event: "done";
  finish_reason: "completed" | "cancelled";
  step: number;
  checkpoint: CheckpointRef | null;
}

/** What a job's iterator yields, in order: train_started, then progress and checkpoint events. */
export type TrainEvent = TrainStarted | TrainProgress | TrainCheckpoint;

/** `evaluate`: the held-out loss of the base model, alone or with a PEFT adapter directory. */
export interface EvaluateSpec {
  model: string;
  /** A PEFT adapter directory (a checkpoint); absent: the frozen base model alone. */
  adapter?: string;
  dataset: string;
  micro_batch_size?: number;
  threads?: number;
}

export interface ExampleLoss {
  /** Sum of −log p over the example's trained tokens. */
  loss_sum: number;
  trained_tokens: number;
}

export interface EvaluateResult {
  adapter_id: string | null;
  /** Mean of −log p over every trained token: a train job's `eval_loss`. */
  loss: number;
  examples: number;
  trained_tokens: number;
  tokens: number;
  /** In the data set's line order. */
  per_example: ExampleLoss[];
}

/** `generate`: greedy completions of token-id prompts (sample answers, not serving). */
export interface GenerateSpec {
  model: string;
  adapter?: string;
  prompts: number[][];
  max_tokens?: number;
  stop_token_ids?: number[];
  threads?: number;
}

export interface Completion {
  tokens: number[];
  finish_reason: "stop" | "length";
}

export interface GenerateResult {
  adapter_id: string | null;
  /** In the prompts' order. */
  completions: Completion[];
}

/**
 * `influence`: TracIn scores of a data set's examples on query examples over checkpoints of one
 * job (PROTOCOL.md): Σ over checkpoints of weight × the cosine of the two examples' projected
 * LoRA gradients.
 */
export interface InfluenceSpec {
  model: string;
  /** PEFT adapter directories of one LoRA layout; `weight`: the learning rate around each (> 0). */
  checkpoints: { adapter: string; weight?: number }[];
  dataset: string;
  queries: string;
  projection_dim?: number;
  seed?: number;
  threads?: number;
}

export interface InfluenceResult {
  adapter_ids: string[];
  projection_dim: number;
  queries: number;
  examples: number;
  /** [query][training example], both in their files' line order. */
  scores: number[][];
}
