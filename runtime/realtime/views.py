"""The server's end of `forward`: publishes a task worker's signed events on this process's in-memory layer."""

from __future__ import annotations

from channels.layers import get_channel_layer
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseNotFound
from django.views.decorators.csrf import csrf_exempt

from runtime.realtime import forward
from runtime.realtime import layer as realtime_layer


@csrf_exempt  # signed by the worker instead; no browser session is involved
async def internal_events(request: HttpRequest) -> HttpResponse:
    """POST /internal/events/: 404 unless the layer is in-memory (with Redis the workers publish themselves),
    403 without a valid recent signature, 400 for a malformed body; else each event is sent to its group, in
    order, on this process's loop (the one that owns the sockets), and the answer is 204."""
    if not forward.in_memory_layer():
        return HttpResponseNotFound()
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    body = request.body
    if not forward.verify(body, request.headers.get(forward.SIGNATURE_HEADER)):
        return HttpResponse(status=403)
    layer = get_channel_layer()
    try:
        events = forward.decode(body)
        for group, _ in events:
            layer.require_valid_group_name(group)  # before sending any: a bad batch is refused whole
    except (ValueError, TypeError) as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    for group, message in events:
        # A failure is reported to realtime_layer.health, as for the server's own publishes.
        await realtime_layer.group_send(layer, group, message)
    return HttpResponse(status=204)
