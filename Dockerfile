# One image for the TypeScript services; each compose service picks its command.
FROM node:20-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends cmake g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY contracts/package.json contracts/
COPY indexer/package.json indexer/
COPY api/package.json api/
COPY inference/pool/package.json inference/pool/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsx scripts/build-engine.ts
