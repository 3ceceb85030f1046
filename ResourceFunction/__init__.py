"""/api/resources[/{id}[/content]]: scenes and classification results (contract: docs/resources.md).

The route takes any id and part so that a malformed id is a 400 and a wrong method a 405 with
``Allow`` (the host itself would answer 404 for both).
"""
import azure.functions as func

from shared.http import endpoint
from shared.ownership import Owner, owner_from_request
from shared.problems import Problem
from shared.resource_http import (collection_path, content_plan, content_response, list_query,
                                  method_not_allowed, not_modified, page_response, preconditions,
                                  read_merge_patch, read_upload, record_change, record_response)
from shared.resource_store import ResourceStore, normalize_id
from shared.settings import get_settings


@endpoint
def main(req: func.HttpRequest) -> func.HttpResponse:
    owner = owner_from_request(req)
    store = ResourceStore()
    raw_id, part = req.route_params.get("id"), req.route_params.get("part")
    if raw_id is None:
        handlers = {"GET": list_resources, "POST": create_resource}
        return _dispatch(handlers, req, store, owner)
    resource_id = normalize_id(raw_id)
    if part is None:
        handlers = {"GET": get_resource, "PUT": put_resource, "PATCH": patch_resource,
                    "DELETE": delete_resource}
    elif part == "content":
        handlers = {"GET": get_content}
    else:
        raise Problem(404, f"A resource has no '{part[:40]}'; its bytes are at .../content.",
                      slug="not-found")
    return _dispatch(handlers, req, store, owner, resource_id)


def _dispatch(handlers, req: func.HttpRequest, store: ResourceStore, owner: Owner, *args
              ) -> func.HttpResponse:
    handler = handlers.get(req.method)
    if handler is None:
        raise method_not_allowed(", ".join(handlers))
    return handler(req, store, owner, *args)


def list_resources(req: func.HttpRequest, store: ResourceStore, owner: Owner) -> func.HttpResponse:
    query = list_query(req)
    page = store.list(owner, kind=query.kind, limit=query.limit, cursor=query.cursor)
    return page_response(collection_path(req), query, page)


def create_resource(req: func.HttpRequest, store: ResourceStore, owner: Owner) -> func.HttpResponse:
    upload = read_upload(req, get_settings().max_upload_bytes)
    record = store.create(owner, upload.content, kind="scene", content_type=upload.content_type,
                          name=upload.name, metadata=upload.metadata)
    return record_response(record, 201, {"Location": f"{collection_path(req)}/{record.id}"})


def get_resource(req: func.HttpRequest, store: ResourceStore, owner: Owner,
                 resource_id: str) -> func.HttpResponse:
    record = store.get(owner, resource_id)
    if not preconditions(req).allows(record.etag, read=True):
        return not_modified(record.etag)
    return record_response(record)


def put_resource(req: func.HttpRequest, store: ResourceStore, owner: Owner,
                 resource_id: str) -> func.HttpResponse:
    conditions = preconditions(req)
    upload = read_upload(req, get_settings().max_upload_bytes)
    record, created = store.put(owner, resource_id, upload.content,
                                content_type=upload.content_type, name=upload.name,
                                metadata=upload.metadata, conditions=conditions)
    if created:
        return record_response(record, 201, {"Location": f"{collection_path(req)}/{record.id}"})
    return record_response(record)


def patch_resource(req: func.HttpRequest, store: ResourceStore, owner: Owner,
                   resource_id: str) -> func.HttpResponse:
    conditions = preconditions(req)
    change = record_change(read_merge_patch(req))
    return record_response(store.update(owner, resource_id, change, conditions))


def delete_resource(req: func.HttpRequest, store: ResourceStore, owner: Owner,
                    resource_id: str) -> func.HttpResponse:
    store.delete(owner, resource_id, preconditions(req))
    return func.HttpResponse(status_code=204)


def get_content(req: func.HttpRequest, store: ResourceStore, owner: Owner,
                resource_id: str) -> func.HttpResponse:
    record, answer, content = store.read_content(owner, resource_id, content_plan(req))
    return content_response(record, answer, content)
