# IceSurf API: the function app on the official Azure Functions Python 3.11 image (host + worker).
#
# The base image is pinned by tag. For byte-for-byte repeatable builds pin its digest as well,
# FROM mcr.microsoft.com/azure-functions/python:4-python3.11@sha256:<digest>, reading the digest
# with `az acr manifest show-metadata` after `az acr import`, or `docker buildx imagetools inspect`;
# the tag then no longer picks up the platform's security updates, so bump the digest on a schedule.
FROM mcr.microsoft.com/azure-functions/python:4-python3.11

# The host finds the app in AzureWebJobsScriptRoot and logs to the console (docker logs, kubectl logs).
ENV AzureWebJobsScriptRoot=/home/site/wwwroot \
    AzureFunctionsJobHost__Logging__Console__IsEnabled=true \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Runtime dependencies only (requirements.txt is the whole runtime set, pinned), in their own layer
# so that code changes do not reinstall them.
COPY requirements.txt /requirements.txt
RUN pip install --no-cache-dir --requirement /requirements.txt

# The image runs as root on Functions Premium: the base image's start script installs the
# platform's CA certificates (update-ca-certificates), the host listens on port 80 and writes under
# /home and /azure-functions-host/Secrets, and non-root containers are reported failing there
# (azure-functions-host#10164, #11107; azure-functions-docker#1210). For Kubernetes the image
# carries an unprivileged user who may create the host's folders under /home (the app under
# /home/site/wwwroot stays root-owned, read-only to it) and write the key folder; infra/k8s runs
# the pods as that user on port 8080 (ASPNETCORE_URLS).
# checkov:skip=CKV_DOCKER_3: root is required on Functions Premium (reasons above); Kubernetes runs the image as uid 10001
RUN groupadd --system --gid 10001 icesurf \
    && useradd --system --uid 10001 --gid icesurf --no-create-home --shell /usr/sbin/nologin icesurf \
    && mkdir -p /azure-functions-host/Secrets \
    && chown icesurf:icesurf /home /azure-functions-host/Secrets

# The app itself: .dockerignore lets in only host.json, the function folders and shared/.
COPY . /home/site/wwwroot
# Byte-compile once at build time: a read-only or fresh container starts without compiling.
RUN python -m compileall -q /home/site/wwwroot

EXPOSE 80
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; port = os.environ.get('ASPNETCORE_URLS', 'http://+:80').rsplit(':', 1)[-1]; urllib.request.urlopen(f'http://127.0.0.1:{port}/api/health', timeout=4)"]
