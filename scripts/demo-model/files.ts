// Where the committed, pretrained demo base model lives (pretrain.ts makes it, `npm start`
// serves a copy of it).
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const DEMO_MODEL_DIR = path.join(root, "inference", "models", "tributary-demo");
/** What `npm start` serves: the model and its tokenizer. */
export const DEMO_MODEL_FILES = [
  "config.json",
  "model.safetensors",
  "tokenizer.json",
  "tokenizer_config.json",
] as const;
