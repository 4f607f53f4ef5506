// `npm run settle`: runs one settlement epoch now on the running API (`npm start`) and prints
// its outcome: the receipts since the last epoch redeemed, split, published and posted as a
// root (live after the challenge delay), or why nothing was settled.
//   TRIBUTARY_API_URL (default http://127.0.0.1:4000/graphql), TRIBUTARY_SETTLE_TOKEN (default:
//   the token `npm start` keeps in .data/api/settle-token).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { settleToken } from "@tributary/api";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dataDir = path.resolve(process.env.TRIBUTARY_DATA_DIR ?? path.join(root, ".data"));
const apiUrl = new URL(
  process.env.TRIBUTARY_API_URL ??
    `http://127.0.0.1:${process.env.TRIBUTARY_API_PORT ?? 4000}/graphql`,
);
const response = await fetch(new URL("/settle", apiUrl), {
  method: "POST",
  headers: { authorization: `Bearer ${settleToken(path.join(dataDir, "api"))}` },
});
const body = await response.text();
console.log(body);
if (!response.ok) process.exit(1);
