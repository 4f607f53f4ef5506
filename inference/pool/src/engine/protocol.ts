// Typed messages of the engine protocol (inference/engine/PROTOCOL.md).
export type RequestId = string | number;

export interface EngineOptions {
  kv_blocks?: number;
  block_size?: number;
  max_num_seqs?: number;
  max_batched_tokens?: number;
  max_waiting?: number;
  max_model_len?: number;
  adapter_slots?: number;
  max_host_adapters?: number;
}

export interface AdapterWeight {
  id: string;
  weight: number;
}

export interface GenerateParams {
  prompt_tokens: number[];
  adapters?: AdapterWeight[];
  max_tokens?: number;
  temperature?: number;
  top_k?: number;
  top_p?: number;
  seed?: number;
  stop_token_ids?: number[];
  logprobs?: boolean;
}

export interface TokenEvent {
  event: "token";
  token: number;
  index: number;
  logprob?: number;
}

export type FinishReason = "stop" | "length" | "cancelled";

export interface DoneEvent {
  event: "done";
  finish_reason: FinishReason;
  usage: { prompt_tokens: number; completion_tokens: number };
  ttft_ms: number | null;
}

export type GenerateEvent = TokenEvent | DoneEvent;

export interface ModelLoaded {
  architecture: string;
  vocab_size: number;
  hidden_size: number;
  num_layers: number;
  max_model_len: number;
  kv_blocks: number;
  block_size: number;
  adapter_slots: number;
  load_ms: number;
}

export interface AdapterLoaded {
  adapter_id: string;
  rank: number;
  lora_alpha: number;
  scale: number;
  target_modules: string[];
  bytes: number;
  already_loaded: boolean;
  load_ms: number;
}

export interface EngineStats {
  model_loaded: boolean;
  throughput: Record<string, number>;
  requests: Record<string, number>;
  kv_cache: Record<string, number>;
  adapter_pool: {
    slots_total: number;
    slots_resident: number;
    slots_active: number;
    slots_pinned: number;
    host_adapters: number;
    hits: number;
    misses: number;
    hit_rate: number;
    disk_load_ms_mean: number;
    [key: string]: number;
  };
  [key: string]: unknown;
}

export interface EngineErrorBody {
  code: string;
  message: string;
  retryable: boolean;
}
