#!/bin/sh
# Regenerates the policy catalog (catalog/policy, catalog/aliases, catalog/NOTICE) from the public Azure Policy data.
#
#   scripts/refresh-catalog.sh [DATA_DIR]      # DATA_DIR defaults to ../shared/data/azure-policy
#   scripts/refresh-catalog.sh --check         # exit 1 when the committed catalog differs from a fresh import
#
# DATA_DIR holds a clone of github.com/Azure/azure-policy's built-in-policies/ (plus its manifest.json with source and
# commit) and aliases/ in the per-namespace format (or the ARM provider format from
# `az rest --url "https://management.azure.com/providers?\$expand=resourceTypes/aliases&api-version=2021-04-01"`).
# Shipped: the MCSB, CIS v3.0.0, NIST SP 800-53 R5 and PCI DSS v4.0.1 initiatives, every definition they reference,
# two more definitions (storage public access; Defender CSPM), and only the aliases those definitions use.
set -eu
cd "$(dirname "$0")/.."
CHECK=""
if [ "${1:-}" = "--check" ]; then CHECK="--check"; shift; fi
DATA="${1:-../shared/data/azure-policy}"
npm run build --silent
exec node bin/palisade.js catalog import \
  --policies "$DATA/built-in-policies" \
  --aliases "$DATA/aliases" \
  --out catalog \
  --initiatives 1f3afdf9-d0c9-4c3d-847f-89da613e70a8,470a962c-86a0-433b-803a-3c176b5ce79c,179d1daa-458f-4e47-8086-2a68d0d6c38f,a06d5deb-24aa-4991-9d58-fa7563154e31 \
  --definitions 4fa4b6c0-31ca-4c0d-b10d-24b96f62a751,689f7782-ef2c-4270-a6d0-7664869076bd \
  --only-show-errors $CHECK \
  --query "{definitions: definitions, setDefinitions: setDefinitions, aliasNames: aliasNames, aliasEntries: aliasEntries, files: files, bytes: bytes, written: written, different: different, removed: removed}"
