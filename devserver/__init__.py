"""A local host for Azure Functions Python v1-model apps (``python -m devserver``).

Azure Functions Core Tools cannot be installed on the project's machines, so this package serves the
app the way the real Functions host + Python worker do, wherever a function could tell the
difference: discovery and import of function folders, routing, key authorization, limits,
request/response mapping and the outcome → status table. ``docs/local-host.md`` lists each
behaviour with its source in the host/worker code (``../shared/docs/functions-host.md``).

Modules, one concern each:

- :mod:`devserver.errors`     – the start-up refusal exception;
- :mod:`devserver.hostconfig` – ``host.json`` (+ ``AzureFunctionsJobHost__*`` overrides);
- :mod:`devserver.localsettings` – ``local.settings.json`` → process environment, like ``func start``;
- :mod:`devserver.discovery`  – function folders and ``function.json`` validation;
- :mod:`devserver.loader`     – import as ``__app__.<Folder>`` and the worker's signature checks;
- :mod:`devserver.routing`    – ASP.NET route templates and constraints, first-match route table;
- :mod:`devserver.keys`       – function/admin keys from the ``files`` secret store;
- :mod:`devserver.invocation` – ``func.HttpRequest`` in, outcome table out;
- :mod:`devserver.throttle`   – ``maxConcurrentRequests`` / ``maxOutstandingRequests``;
- :mod:`devserver.app`        – the raw ASGI application tying them together;
- :mod:`devserver.server`     – the command line and uvicorn.

This package is the host, not app code: it may read ``os.environ`` (the app reads settings only
through ``shared/settings.py``).
"""
