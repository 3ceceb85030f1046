#!/usr/bin/env bash
# Deploy the IceSurf API to your Azure subscription: one command, idempotent (run it again to ship
# a new version).
#
#   az login && scripts/deploy.sh [ENVIRONMENT_NAME] [LOCATION]
#
# Needs the Azure CLI (logged in, with Owner or Contributor + User Access Administrator on the
# subscription), git, and this repository's .venv (`make setup`) to train and publish the default
# model. No local Docker: the image is built in the registry by ACR Tasks.
#
# Optional environment variables:
#   STORAGE_ACCESS   keyvault (default: storage connection string in Key Vault) or identity
#                    (managed identity only, shared-key access off)
#   PLAN_SKU         EP1 (default), EP2 or EP3
#   MIN_INSTANCES    always-ready instances (default 1)   MAX_INSTANCES  burst limit (default 10)
#   IMAGE_TAG        image tag (default: the git commit, with -dirty-<time> for uncommitted changes)
set -euo pipefail

cd "$(dirname "$0")/.."

ENV_NAME="${1:-${AZURE_ENV_NAME:-icesurf}}"
LOCATION="${2:-${AZURE_LOCATION:-westeurope}}"
STORAGE_ACCESS="${STORAGE_ACCESS:-keyvault}"
PLAN_SKU="${PLAN_SKU:-EP1}"
MIN_INSTANCES="${MIN_INSTANCES:-1}"
MAX_INSTANCES="${MAX_INSTANCES:-10}"
IMAGE_NAME="icesurf-api"
PYTHON="${PYTHON:-.venv/bin/python}"
DEPLOYMENT="icesurf-${ENV_NAME}"

log() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

command -v az >/dev/null || die "the Azure CLI (az) is not installed"
command -v git >/dev/null || die "git is not installed"
[ -x "$PYTHON" ] || die "$PYTHON not found: run 'make setup' first (it trains and publishes the model)"
az account show --output none 2>/dev/null || die "not logged in: run 'az login'"

if [ -z "${IMAGE_TAG:-}" ]; then
  IMAGE_TAG="$(git rev-parse --short=12 HEAD)"
  if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
    IMAGE_TAG="${IMAGE_TAG}-dirty-$(date +%Y%m%d%H%M%S)"
  fi
fi

# The deploying principal gets Storage Blob Data Contributor to publish the model with its login.
PRINCIPAL_TYPE="User"
PRINCIPAL_ID="$(az ad signed-in-user show --query id --output tsv 2>/dev/null || true)"
if [ -z "$PRINCIPAL_ID" ]; then
  PRINCIPAL_TYPE="ServicePrincipal"
  PRINCIPAL_ID="$(az ad sp show --id "$(az account show --query user.name --output tsv)" \
    --query id --output tsv)"
fi

# deploy_infra DEPLOY_FUNCTION_APP: one subscription-scope deployment of infra/main.bicep.
deploy_infra() {
  az deployment sub create \
    --name "$DEPLOYMENT" \
    --location "$LOCATION" \
    --template-file infra/main.bicep \
    --parameters \
      environmentName="$ENV_NAME" location="$LOCATION" \
      principalId="$PRINCIPAL_ID" principalType="$PRINCIPAL_TYPE" \
      storageAccess="$STORAGE_ACCESS" planSku="$PLAN_SKU" \
      minimumInstances="$MIN_INSTANCES" maximumInstances="$MAX_INSTANCES" \
      imageName="$IMAGE_NAME" imageTag="$IMAGE_TAG" \
      deployFunctionApp="$1" \
    --output none
}

output() {
  az deployment sub show --name "$DEPLOYMENT" --query "properties.outputs.$1.value" --output tsv
}

log "1/5 Infrastructure (monitoring, storage, Key Vault, registry, plan) in $LOCATION"
deploy_infra false
REGISTRY="$(output AZURE_CONTAINER_REGISTRY_NAME)"

log "2/5 Building ${IMAGE_NAME}:${IMAGE_TAG} in registry $REGISTRY (ACR Tasks)"
az acr build --registry "$REGISTRY" --image "${IMAGE_NAME}:${IMAGE_TAG}" --file Dockerfile .

log "3/5 Function app, role assignments and app settings"
deploy_infra true
RESOURCE_GROUP="$(output AZURE_RESOURCE_GROUP)"
APP_NAME="$(output FUNCTION_APP_NAME)"
BASE_URL="$(output FUNCTION_BASE_URL)"
BLOB_ENDPOINT="$(output AZURE_STORAGE_BLOB_ENDPOINT)"
MODELS_CONTAINER="$(output MODELS_CONTAINER)"

log "4/5 Training the default models and publishing them to the registry in $BLOB_ENDPOINT"
MODEL_DIR="$(mktemp -d)"
trap 'rm -rf "$MODEL_DIR"' EXIT
"$PYTHON" -c 'import sys; from pathlib import Path; from tools.train import train_default_models; train_default_models(Path(sys.argv[1]))' "$MODEL_DIR"
# The deployer's new role assignment can take a few minutes to reach the storage service.
for model in "$MODEL_DIR"/*/; do
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if STORAGE_ACCOUNT_URL="$BLOB_ENDPOINT" MODELS_CONTAINER="$MODELS_CONTAINER" \
        "$PYTHON" -m tools.models publish "${model%/}" --activate; then
      break
    fi
    [ "$attempt" -lt 10 ] || die "could not publish $model (is the Storage Blob Data Contributor role assigned?)"
    echo "publish failed (attempt $attempt/10), retrying in 30 s while the role assignment propagates"
    sleep 30
  done
done

log "5/5 Restarting $APP_NAME and waiting for $BASE_URL/health"
az functionapp restart --resource-group "$RESOURCE_GROUP" --name "$APP_NAME" --output none
for attempt in $(seq 1 40); do
  if curl --silent --fail --max-time 10 "$BASE_URL/health" >/dev/null; then
    break
  fi
  [ "$attempt" -lt 40 ] || die "no healthy answer from $BASE_URL/health after 10 minutes: see 'az webapp log tail --resource-group $RESOURCE_GROUP --name $APP_NAME'"
  sleep 15
done

cat <<EOF

IceSurf API is running.
  Base URL:     $BASE_URL
  Health:       curl $BASE_URL/health
  Function key: az functionapp keys list --resource-group $RESOURCE_GROUP --name $APP_NAME --query functionKeys.default --output tsv
  Call it:      curl -H "x-functions-key: <key>" $BASE_URL/models
  Tear down:    scripts/teardown.sh $ENV_NAME
EOF
