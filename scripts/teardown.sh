#!/usr/bin/env bash
# Delete everything scripts/deploy.sh created for one environment: its resource group (app, plan,
# registry, storage with all scenes, results and models, Key Vault, monitoring) and the
# subscription-level deployment record.
#
#   scripts/teardown.sh [ENVIRONMENT_NAME] [--yes]
#
# The Key Vault has purge protection: it stays soft-deleted, and its name reserved, for the
# retention period (7 days by default). Deploying the same environment name again within that
# time fails on the vault name; recover it with `az keyvault recover --name <vault>` or use another
# environment name.
set -euo pipefail

ENV_NAME="${AZURE_ENV_NAME:-icesurf}"
ASSUME_YES=false
for arg in "$@"; do
  case "$arg" in
    --yes|-y) ASSUME_YES=true ;;
    -*) echo "unknown option: $arg" >&2; exit 2 ;;
    *) ENV_NAME="$arg" ;;
  esac
done
RESOURCE_GROUP="rg-${ENV_NAME}"
DEPLOYMENT="icesurf-${ENV_NAME}"

command -v az >/dev/null || { echo "error: the Azure CLI (az) is not installed" >&2; exit 1; }
az account show --output none 2>/dev/null || { echo "error: not logged in: run 'az login'" >&2; exit 1; }

if [ "$(az group exists --name "$RESOURCE_GROUP")" != "true" ]; then
  echo "Resource group $RESOURCE_GROUP does not exist: nothing to delete."
else
  if [ "$ASSUME_YES" != true ]; then
    printf 'Delete resource group %s and ALL its data (scenes, results, models)? [y/N] ' "$RESOURCE_GROUP"
    read -r answer
    case "$answer" in
      y|Y|yes|YES) ;;
      *) echo "Aborted."; exit 1 ;;
    esac
  fi
  VAULTS="$(az keyvault list --resource-group "$RESOURCE_GROUP" --query '[].name' --output tsv)"
  echo "Deleting $RESOURCE_GROUP (this takes a few minutes)..."
  az group delete --name "$RESOURCE_GROUP" --yes
  for vault in $VAULTS; do
    echo "Key Vault $vault is soft-deleted and purge-protected: its name is reserved until the retention period ends."
  done
fi

az deployment sub delete --name "$DEPLOYMENT" --output none 2>/dev/null || true
echo "Done."
