// `npm run settle`: runs one settlement epoch now on the running API (`npm start`) and prints
// its outcome: the receipts since the last epoch redeemed, split, published and posted as a
// root (live after the challenge delay), or why nothing was settled.
//   TRIBUTARY_API_URL (default http://127.0.0.1:4000/graphql), TRIBUTARY_SETTLE_TOKEN (default:
//   the token `npm start` keeps in .data/api/settle-token).
import path from "node:path";
import { settleToken } from "@tributary/api";
import { localEndpoints } from "./endpoints.ts";

const endpoints = localEndpoints();
const dataDir = endpoints.dataDir;
const apiUrl = new URL(endpoints.apiUrl);
const response = await fetch(new URL("/settle", apiUrl), {
  method: "POST",
  headers: { authorization: `Bearer ${settleToken(path.join(dataDir, "api"))}` },
});
const body = await response.text();
console.log(body);
if (!response.ok) process.exit(1);
