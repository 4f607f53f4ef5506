import { readFileSync } from "node:fs";
import path from "node:path";
import { type DevnetRole, devnetAccount, type SeedResult } from "@tributary/contracts";
import { createSiweMessage } from "viem/siwe";

export interface SeedContentOptions {
  /** The API's GraphQL endpoint. */
  apiUrl: string;
  chainId: number;
  /** `demo/` (holds `datanets/<slug>/<file>`). */
  demoDir: string;
  datanets: SeedResult["datanets"];
  /** The API's public URL, whose host and origin SIWE messages name (default: the API URL's). */
  publicUrl?: string;
  onProgress?: (event: { step: string; [key: string]: unknown }) => void;
}

export async function gql(url: string, query: string, variables: object, token?: string) {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(`API: ${body.errors.map((e) => e.message).join("; ")}`);
  return body.data;
}

/** Signs in as a devnet account with SIWE, as a wallet would; returns the session token. */
export async function signIn(
  apiUrl: string,
  chainId: number,
  role: DevnetRole,
  publicUrl?: string,
): Promise<string> {
  const account = devnetAccount(role);
  const { siweNonce } = await gql(apiUrl, "mutation { siweNonce { nonce } }", {});
  const site = new URL(publicUrl ?? apiUrl);
  const message = createSiweMessage({
    domain: site.host,
    address: account.address,
    statement: "Sign in to Tributary",
    uri: site.origin,
    version: "1",
    chainId,
    nonce: siweNonce.nonce,
  });
  const signature = await account.signMessage({ message });
  const { signIn } = await gql(
    apiUrl,
    `mutation($m: String!, $s: Bytes!) { signIn(message: $m, signature: $s) {
      __typename ... on MutationSignInSuccess { data { token } } ... on Error { message } } }`,
    { m: message, s: signature },
  );
  if (signIn.__typename !== "MutationSignInSuccess") throw new Error(`SIWE: ${signIn.message}`);
  return signIn.data.token as string;
}

const UPLOAD = `mutation($id: BigInt!, $content: String!, $type: String!) {
  uploadContribution(contributionId: $id, content: $content, mediaType: $type) {
    __typename
    ... on MutationUploadContributionSuccess { data { pending ingestion { status chunks } } }
    ... on Error { message code }
  }
}`;

/**
 * Uploads the demo Datanets' files through GraphQL, each by its contributor (signed in with
 * SIWE), exactly as a contributor's client would: `npm start` runs it so `search` answers on a
 * fresh system. Returns the chunks stored per contribution.
 */
export async function seedDemoContent(options: SeedContentOptions) {
  const tokens = new Map<DevnetRole, string>();
  const stored: { contributionId: bigint; chunks: number }[] = [];
  for (const [slug, datanet] of Object.entries(options.datanets)) {
    for (const contribution of datanet.contributions) {
      let token = tokens.get(contribution.contributor);
      if (!token) {
        token = await signIn(
          options.apiUrl,
          options.chainId,
          contribution.contributor,
          options.publicUrl,
        );
        tokens.set(contribution.contributor, token);
      }
      const file = path.join(options.demoDir, "datanets", slug, contribution.file);
      const { uploadContribution: result } = await gql(
        options.apiUrl,
        UPLOAD,
        {
          id: contribution.id.toString(),
          content: readFileSync(file, "utf8"),
          type: file.endsWith(".md") ? "text/markdown" : "text/plain",
        },
        token,
      );
      if (result.__typename !== "MutationUploadContributionSuccess")
        throw new Error(`upload of ${slug}/${contribution.file} refused: ${result.message}`);
      const chunks = result.data.ingestion?.chunks ?? 0;
      stored.push({ contributionId: contribution.id, chunks });
      options.onProgress?.({
        step: "content uploaded",
        slug,
        file: contribution.file,
        contributionId: contribution.id.toString(),
        status: result.data.ingestion?.status ?? "PENDING",
        chunks,
      });
    }
  }
  return stored;
}
